/**
 * Command-line flags as data: the same list becomes a systemd ExecStart or a static pod's command.
 */

/** One flag: `--name=value`, or `--name` alone when value is true. */
export type Flag = readonly [name: string, value: string | true];

/** `--name=value` (or `--name`). */
export function renderFlag([name, value]: Flag): string {
  return value === true ? `--${name}` : `--${name}=${value}`;
}

/** A binary and its flags joined with `separator` (e.g. a line continuation). */
export function renderCommandLine(binary: string, flags: readonly Flag[], separator = " "): string {
  return [binary, ...flags.map(renderFlag)].join(separator);
}

/** Flags sorted by name, so rendered output is stable and easy to scan. */
export function sortFlags(flags: Flag[]): Flag[] {
  return [...flags].sort((a, b) => a[0].localeCompare(b[0]));
}
