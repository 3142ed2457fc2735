/**
 * Running commands in nodes for steps and checks: failures become CommandErrors carrying the
 * command and its output; waits have a deadline and, when they give up, name the step, node and
 * unit and show the unit's last journal lines.
 */
import { CommandError, shellLine, type JournalExcerpt } from "../errors.js";
import type { ExecResult } from "../providers/provider.js";
import type { LabContext } from "./lab-context.js";

/** Last lines of output kept in errors. */
const OUTPUT_LINES = 30;

/** The last `n` lines of a text. */
export function lastLines(text: string, n = OUTPUT_LINES): string {
  const lines = text.trimEnd().split("\n");
  return lines.slice(-n).join("\n");
}

/** Runs argv on a node; resolves with the result whatever the exit code. */
export function exec(ctx: LabContext, node: string, argv: string[], stdin?: string | Buffer): Promise<ExecResult> {
  return ctx.provider.exec(ctx.plan.labName, node, argv, { stdin, signal: ctx.signal });
}

/** Runs argv on a node; throws a CommandError when it exits non-zero. */
export async function run(ctx: LabContext, node: string, argv: string[], options: { stdin?: string; what?: string } = {}): Promise<string> {
  const result = await exec(ctx, node, argv, options.stdin);
  if (result.exitCode !== 0) {
    throw new CommandError(
      `failed to ${options.what ?? `run ${argv[0]}`} on node ${node} (exit code ${result.exitCode})`,
      { command: shellLine(argv), where: node, exitCode: result.exitCode, output: lastLines(`${result.stdout}${result.stderr}`) },
    );
  }
  return result.stdout;
}

/** Runs a shell script on a node; throws a CommandError when it fails. */
export function sh(ctx: LabContext, node: string, script: string, what?: string): Promise<string> {
  return run(ctx, node, ["sh", "-ec", script], { what });
}

/** The last lines of a unit's journal on a node (empty when it cannot be read). */
export async function journal(ctx: LabContext, node: string, unit: string, lines = 15): Promise<JournalExcerpt> {
  const result = await exec(ctx, node, ["journalctl", "-u", unit, "-n", String(lines), "--no-pager", "-o", "short-precise"]).catch(
    () => undefined,
  );
  return { node, unit, lines: result?.exitCode === 0 ? result.stdout.trimEnd().split("\n") : [] };
}

/** What to wait for. */
export interface WaitSpec {
  /** The step waiting, for the message. */
  step: string;
  node: string;
  /** What is awaited, e.g. "etcd to be healthy". */
  what: string;
  /** A command that exits 0 once it is done. */
  argv: string[];
  /** The command a timeout names, when argv is a helper script around it (e.g. a watch). */
  shown?: string[];
  /** Units whose journal explains a timeout. */
  units?: string[];
  /** The node those units run on, when it is not `node`. */
  unitsNode?: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Extra hint for the timeout. */
  hint?: string;
  /** More evidence for the timeout (e.g. a static pod's state and log). */
  evidence?: () => Promise<JournalExcerpt[]>;
}

/**
 * A timeout scaled by how slow the provider's nodes are (VMs under software emulation take many
 * times longer than containers) and by $KUBELAB_TIMEOUT_SCALE (e.g. 3 on a slow laptop, 0.2 to
 * fail fast in tests).
 */
export function scaledTimeout(ms: number, ctx: Pick<LabContext, "provider">, env: NodeJS.ProcessEnv = process.env): number {
  const scale = Number(env.KUBELAB_TIMEOUT_SCALE);
  return Math.round(ms * ctx.provider.slowdown * (Number.isFinite(scale) && scale > 0 ? scale : 1));
}

/** How long a wait polls inside the node before it reports back (and sees an abort). */
const WAIT_ROUND_S = 5;

/** How long one round of a wait lasts on the provider's nodes, in seconds (e.g. a watch's). */
export function waitRoundSeconds(ctx: Pick<LabContext, "provider">): number {
  return WAIT_ROUND_S * ctx.provider.slowdown;
}

/**
 * `sh -c` script: runs "$@" every $2 seconds until it exits 0 or $1 seconds have passed, then
 * exits with that try's code and prints that try's output (stdout and stderr together).
 */
const POLL_SCRIPT = [
  "end=$(($(date +%s) + $1)); pause=$2; shift 2",
  "while :; do",
  '  out=$("$@" 2>&1); code=$?',
  '  if [ "$code" -eq 0 ] || [ "$(date +%s)" -ge "$end" ]; then printf "%s\\n" "$out"; exit "$code"; fi',
  '  sleep "$pause"',
  "done",
].join("\n");

/**
 * Runs argv on the node every `intervalMs` until it exits 0 or `deadline` (a time) passes;
 * resolves with the last try, its stdout and stderr together in `stdout`.
 *
 * The tries run inside the node, a few seconds' worth per exec: one exec per try (a dozen a
 * second while a lab starts) took CPU from the very components being waited for. The pause between
 * tries is scaled by the provider's slowdown: in a software-emulated VM each try costs that many
 * times more, and tries 0.1 s apart starved etcd there (its health check timed out in CI).
 */
export async function pollUntil(ctx: LabContext, node: string, argv: readonly string[], deadline: number, intervalMs = 250): Promise<ExecResult> {
  const pause = (intervalMs * ctx.provider.slowdown) / 1000;
  for (;;) {
    ctx.signal.throwIfAborted();
    const seconds = Math.max(1, Math.min(waitRoundSeconds(ctx), Math.ceil((deadline - Date.now()) / 1000)));
    const last = await exec(ctx, node, ["sh", "-c", POLL_SCRIPT, "poll", String(seconds), String(pause), ...argv]);
    ctx.signal.throwIfAborted();
    if (last.exitCode === 0 || Date.now() >= deadline) return last;
  }
}

/** Runs spec.argv on the node until it exits 0; throws a CommandError naming everything on timeout. */
export async function waitFor(ctx: LabContext, spec: WaitSpec): Promise<void> {
  const timeoutMs = scaledTimeout(spec.timeoutMs, ctx);
  const last = await pollUntil(ctx, spec.node, spec.argv, Date.now() + timeoutMs, spec.intervalMs);
  if (last.exitCode === 0) return;
  const journals = [
    ...(await Promise.all((spec.units ?? []).map((u) => journal(ctx, spec.unitsNode ?? spec.node, u)))),
    ...((await spec.evidence?.()) ?? []),
  ];
  const units = spec.units?.length ? ` (${spec.units.join(", ")} on ${spec.unitsNode ?? spec.node})` : "";
  throw new CommandError(
    `failed to ${spec.step}: timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${spec.what} on node ${spec.node}${units}`,
    { command: shellLine(spec.shown ?? spec.argv), where: spec.node, exitCode: last.exitCode, output: lastLines(`${last.stdout}${last.stderr}`) },
    {
      hint:
        spec.hint ??
        `read the full log with: lab logs ${ctx.plan.labName} ${spec.unitsNode ?? spec.node}${spec.units?.[0] ? ` ${spec.units[0]}` : ""}`,
      journal: journals.filter((j) => j.lines.length > 0),
    },
  );
}

/** The command that starts units without waiting for them. */
export function startUnitsArgv(units: readonly string[]): string[] {
  return ["systemctl", "start", "--no-block", ...units];
}

/** Starts units on a node without waiting for them (`systemctl start --no-block`). */
export async function startUnits(ctx: LabContext, node: string, units: string[]): Promise<void> {
  await run(ctx, node, startUnitsArgv(units), { what: `start ${units.join(", ")}` });
}
