/**
 * Runs a pipeline: stages in order, the steps of a parallel stage together, each step framed by
 * step-start and step-end events. A failed step stops the pipeline after its stage.
 */
import { toErrorInfo } from "./error-info.js";
import type { EventSink } from "./events.js";
import type { LabContext } from "./lab-context.js";
import { stageSteps, type Stage, type Step } from "./step.js";
import type { RunContext } from "./run-context.js";

/** Runs one step with its events; rethrows its error. */
async function runStep(step: Step, ctx: RunContext): Promise<void> {
  const started = Date.now();
  ctx.emit({ type: "step-start", step: step.id, title: step.title });
  try {
    await step.run(ctx);
    ctx.emit({ type: "step-end", step: step.id, status: "ok", durationMs: Date.now() - started });
  } catch (error) {
    ctx.emit({ type: "step-end", step: step.id, status: "failed", durationMs: Date.now() - started, error: toErrorInfo(error) });
    throw error;
  }
}

/**
 * Waits for every promise to settle (nothing keeps running behind a failure), then rejects with
 * the first failure, if any.
 */
export async function allSettledOrThrow(promises: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** Runs every stage in order; rejects with the first failure. */
export async function runPipeline(stages: readonly Stage[], ctx: RunContext): Promise<void> {
  for (const stage of stages) {
    ctx.signal.throwIfAborted();
    await allSettledOrThrow(stageSteps(stage).map((step) => runStep(step, ctx)));
  }
}

/**
 * Runs `task` for each node at the same time, as task events under `step`. Every node's task
 * finishes (so all failures are reported); then the first failure is thrown, or, with
 * `tolerate: "some"`, only when every node failed (the names of the failed ones are returned).
 */
export async function forEachNode<T extends { name: string }>(
  ctx: LabContext,
  step: string,
  nodes: readonly T[],
  task: (node: T) => Promise<void>,
  options: { tolerate?: "none" | "some" } = {},
): Promise<string[]> {
  const emit: EventSink = ctx.emit;
  const results = await Promise.allSettled(
    nodes.map(async (node) => {
      const started = Date.now();
      emit({ type: "task-start", step, node: node.name });
      try {
        await task(node);
        emit({ type: "task-end", step, node: node.name, status: "ok", durationMs: Date.now() - started });
      } catch (error) {
        emit({ type: "task-end", step, node: node.name, status: "failed", durationMs: Date.now() - started, error: toErrorInfo(error) });
        throw error;
      }
    }),
  );
  const failures = results.flatMap((r, i) => (r.status === "rejected" ? [{ node: nodes[i]!.name, reason: r.reason as unknown }] : []));
  if (failures.length && (options.tolerate !== "some" || failures.length === nodes.length)) throw failures[0]!.reason;
  return failures.map((f) => f.node);
}
