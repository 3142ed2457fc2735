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

/** Runs spec.argv on the node until it exits 0; throws a CommandError naming everything on timeout. */
export async function waitFor(ctx: LabContext, spec: WaitSpec): Promise<string> {
  const timeoutMs = scaledTimeout(spec.timeoutMs, ctx);
  const deadline = Date.now() + timeoutMs;
  let last: ExecResult | undefined;
  for (;;) {
    ctx.signal.throwIfAborted();
    last = await exec(ctx, spec.node, spec.argv);
    if (last.exitCode === 0) return last.stdout;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, spec.intervalMs ?? 250));
  }
  const journals = [
    ...(await Promise.all((spec.units ?? []).map((u) => journal(ctx, spec.unitsNode ?? spec.node, u)))),
    ...((await spec.evidence?.()) ?? []),
  ];
  const units = spec.units?.length ? ` (${spec.units.join(", ")} on ${spec.unitsNode ?? spec.node})` : "";
  throw new CommandError(
    `failed to ${spec.step}: timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${spec.what} on node ${spec.node}${units}`,
    { command: shellLine(spec.argv), where: spec.node, exitCode: last.exitCode, output: lastLines(`${last.stdout}${last.stderr}`) },
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
