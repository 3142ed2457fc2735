/** The figures of `npm run bench`: series of samples, their medians, and the table they are printed as. */

/** Times of one measured quantity over the runs, in milliseconds. */
export interface Series {
  name: string;
  samples: number[];
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Milliseconds as seconds with two decimals. */
export function seconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}

/** The series as a table: name, then median, min and max in seconds, right-aligned. */
export function seriesTable(series: readonly Series[]): string[] {
  const rows = series.map((s) => [s.name, seconds(median(s.samples)), seconds(Math.min(...s.samples)), seconds(Math.max(...s.samples))]);
  const header = ["measure", "median s", "min s", "max s"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), ...rows.map(line)];
}
