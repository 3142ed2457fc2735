/**
 * A node's journal, for `lab logs`: the last lines, or followed (`journalctl -f`) until the
 * reader stops.
 *
 * Neither Docker nor SSH ends a command in the node when the reader on the host goes away, so a
 * followed journal runs under a small shell that watches its stdin: the provider keeps that stdin
 * open until the follow is aborted, and when it closes, the shell stops journalctl. Nothing is
 * left running in the node.
 */
import type { ExecResult, Provider } from "../providers/provider.js";

/** What to read. */
export interface JournalOptions {
  /** One unit, or every unit when left out. */
  unit?: string;
  /** How many lines (of the past, when following). */
  lines: string;
  /** journalctl's JSON output, one entry per line. */
  json?: boolean;
  /** Keep printing new entries until aborted. */
  follow?: boolean;
}

/**
 * The follower: journalctl in the background (its own stdin closed), `cat` holding the command's
 * stdin, and whichever ends first ends the other; the exit code is journalctl's.
 */
const FOLLOW_SCRIPT = [
  "exec 3<&0",
  'journalctl "$@" </dev/null 3<&- &',
  "journal=$!",
  '(cat <&3 >/dev/null; kill "$journal" 2>/dev/null) >/dev/null 2>&1 &',
  "exec 3<&-",
  'wait "$journal"',
].join("\n");

/** The command to run in the node. */
export function journalArgv(options: JournalOptions): string[] {
  const args = [
    "--no-pager",
    "-n",
    options.lines,
    ...(options.unit ? ["-u", options.unit] : []),
    ...(options.json ? ["-o", "json"] : []),
  ];
  if (!options.follow) return ["journalctl", ...args];
  return ["sh", "-c", FOLLOW_SCRIPT, "journal", "-f", ...args];
}

/**
 * Reads a node's journal. Following, the output goes to `onOutput` as it comes until `signal`
 * aborts; the result then has the exit code and no output.
 */
export function readJournal(
  provider: Provider,
  lab: string,
  node: string,
  options: JournalOptions & { signal?: AbortSignal; onOutput?: (chunk: Buffer, stream: "stdout" | "stderr") => void },
): Promise<ExecResult> {
  const { signal, onOutput } = options;
  return provider.exec(lab, node, journalArgv(options), {
    ...(signal ? { signal } : {}),
    ...(options.follow ? { keepStdinOpen: true, ...(onOutput ? { onOutput } : {}) } : {}),
  });
}
