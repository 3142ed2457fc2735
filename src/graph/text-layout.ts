/**
 * Text laid out for a terminal: words wrapped to a width, boxes drawn with box-drawing characters,
 * boxes side by side. Widths are worked out on the plain text and styles (colours) applied after,
 * so a styled drawing lines up exactly as the plain one.
 */

/** Styles a drawing may use; each returns its input unchanged when colours are off. */
export interface TextStyle {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

/** A line of text with one style. */
export interface StyledLine {
  text: string;
  style?: keyof TextStyle;
}

/** The characters of a box's frame. */
interface Frame {
  h: string;
  v: string;
  tl: string;
  tr: string;
  bl: string;
  br: string;
}

/** Frames: single lines for nodes, double lines for networks. */
export const FRAMES = {
  single: { h: "─", v: "│", tl: "┌", tr: "┐", bl: "└", br: "┘" },
  double: { h: "═", v: "║", tl: "╔", tr: "╗", bl: "╚", br: "╝" },
} as const satisfies Record<string, Frame>;

/** `text` cut to `width` characters, with an ellipsis when it was longer. */
function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * `text` wrapped at spaces into lines of at most `width` characters; lines after the first start
 * with `indent`. A word too long for a line is cut with an ellipsis.
 */
export function wrap(text: string, width: number, indent = ""): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ").filter((w) => w !== "")) {
    const prefix = lines.length === 0 ? "" : indent;
    const candidate = line === "" ? `${prefix}${word}` : `${line} ${word}`;
    if (candidate.length <= width || line === "") {
      line = cut(candidate, width);
    } else {
      lines.push(line);
      line = cut(`${indent}${word}`, width);
    }
  }
  lines.push(line);
  return lines;
}

/** Styled lines wrapped to `width`, each wrapped line keeping its style. */
function wrapLines(lines: readonly StyledLine[], width: number): StyledLine[] {
  return lines.flatMap((line) => wrap(line.text, width).map((text) => ({ text, ...(line.style ? { style: line.style } : {}) })));
}

/** Options of {@link drawBox}. */
export interface BoxOptions {
  /** The box's width, frame included. */
  width: number;
  /** Content lines, padded with empty ones up to this many (default: as many as there are). */
  height?: number;
  /** A title set into the top border. */
  title?: string;
  frame?: Frame;
  style: TextStyle;
}

/**
 * A box around `content` (wrapped to fit): the rows of the box, each exactly `options.width`
 * characters wide as a terminal shows it.
 */
export function drawBox(content: readonly StyledLine[], options: BoxOptions): string[] {
  const { width, style } = options;
  const frame = options.frame ?? FRAMES.single;
  const inner = width - 4;
  const lines = wrapLines(content, inner);
  while (lines.length < (options.height ?? 0)) lines.push({ text: "" });
  const title = options.title === undefined ? undefined : cut(options.title, width - 6);
  const titleWidth = title === undefined ? 0 : title.length + 3;
  const top = `${frame.tl}${title === undefined ? "" : `${frame.h} ${style.bold(title)} `}${frame.h.repeat(width - 2 - titleWidth)}${frame.tr}`;
  const bottom = `${frame.bl}${frame.h.repeat(width - 2)}${frame.br}`;
  const rows = lines.map((line) => {
    const padded = line.text.padEnd(inner);
    return `${frame.v} ${line.style ? style[line.style](padded) : padded} ${frame.v}`;
  });
  return [top, ...rows, bottom];
}

/** The height of the content of a box of `width` holding `content`, once wrapped. */
export function boxContentHeight(content: readonly StyledLine[], width: number): number {
  return wrapLines(content, width - 4).length;
}

/** Blocks of rows, all of the same height, set side by side with `gap` spaces between. */
export function sideBySide(blocks: readonly string[][], gap: number): string[] {
  return (blocks[0] ?? []).map((_, i) => blocks.map((block) => block[i]).join(" ".repeat(gap)));
}
