/**
 * The few ANSI styles the plain printer uses, switched off entirely when colour is off so that
 * no escape code reaches a pipe or a log file.
 */

/** Styling functions; each returns its input unchanged when colour is off. */
export interface Palette {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/** Wraps text in an SGR code and its reset. */
function sgr(open: number, close: number): (text: string) => string {
  return (text) => `\u001B[${open}m${text}\u001B[${close}m`;
}

/** A palette that styles when `enabled`, and leaves text alone otherwise. */
export function createPalette(enabled: boolean): Palette {
  if (!enabled) {
    const plain = (text: string): string => text;
    return { green: plain, red: plain, yellow: plain, dim: plain, bold: plain };
  }
  return { green: sgr(32, 39), red: sgr(31, 39), yellow: sgr(33, 39), dim: sgr(2, 22), bold: sgr(1, 22) };
}
