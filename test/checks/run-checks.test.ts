/**
 * The order checks run in: those that start pods first, the others once those have applied their
 * pods (or after the head start's limit). The checks here are plain Check objects that record when
 * they ran; the runner under test is the real one.
 */
import { describe, expect, it } from "vitest";
import type { Check } from "../../src/checks/check.js";
import { runCheckSet } from "../../src/checks/registry.js";
import type { CheckResult } from "../../src/pipeline/events.js";
import type { LabContext } from "../../src/pipeline/lab-context.js";

const context = (): LabContext => ({ provider: { slowdown: 1 }, emit: () => undefined, signal: new AbortController().signal }) as unknown as LabContext;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** When each check started (ms since the epoch), by id. */
const startedAt = new Map<string, number>();

/** A check that logs "<id> start", and, starting pods, "<id> applied" after `applyMs`. */
function check(id: string, log: string[], options: { startsPods?: boolean; applyMs?: number; runMs?: number }): Check {
  return {
    id: id as Check["id"],
    title: id,
    appliesTo: () => true,
    ...(options.startsPods ? { pods: () => [] } : {}),
    async run(_ctx, podsApplied): Promise<CheckResult[]> {
      log.push(`${id} start`);
      startedAt.set(id, Date.now());
      if (options.applyMs !== undefined) {
        await sleep(options.applyMs);
        log.push(`${id} applied`);
        podsApplied();
      }
      await sleep(options.runMs ?? 0);
      return [{ check: id, title: id, status: "pass", ran: id, saw: "", durationMs: 0 }];
    },
  } as Check;
}

describe("runCheckSet", () => {
  it("starts the other checks only once every check that starts pods has applied them", async () => {
    const log: string[] = [];
    const started = Date.now();
    const results = await runCheckSet(context(), [
      check("etcd-health", log, {}),
      check("pod-logs", log, { startsPods: true, applyMs: 50, runMs: 100 }),
      check("cluster-ip-service", log, { startsPods: true, applyMs: 150, runMs: 100 }),
      check("nodes-ready", log, {}),
    ]);
    expect(log.slice(0, 4)).toEqual(["pod-logs start", "cluster-ip-service start", "pod-logs applied", "cluster-ip-service applied"]);
    expect(log.slice(4).sort()).toEqual(["etcd-health start", "nodes-ready start"]);
    expect(results.map((r) => r.check).sort()).toEqual(["cluster-ip-service", "etcd-health", "nodes-ready", "pod-logs"]);
    // Well before the 2 s limit: the last apply let them go.
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("lets the others go when a check that starts pods ends without applying any", async () => {
    const log: string[] = [];
    await runCheckSet(context(), [check("pod-logs", log, { startsPods: true, runMs: 50 }), check("etcd-health", log, {})]);
    expect(log).toEqual(["pod-logs start", "etcd-health start"]);
  });

  it("lets the others go after 2 s when an apply hangs", async () => {
    const log: string[] = [];
    const started = Date.now();
    await runCheckSet(context(), [check("pod-logs", log, { startsPods: true, applyMs: 3_000 }), check("etcd-health", log, { runMs: 0 })]);
    expect(log).toEqual(["pod-logs start", "etcd-health start", "pod-logs applied"]);
    const waited = startedAt.get("etcd-health")! - started;
    expect(waited).toBeGreaterThanOrEqual(1_900);
    expect(waited).toBeLessThan(2_900);
  });

  it("runs everything at once when no check starts pods", async () => {
    const log: string[] = [];
    const started = Date.now();
    await runCheckSet(context(), [check("etcd-health", log, { runMs: 100 }), check("nodes-ready", log, { runMs: 100 })]);
    expect(log).toEqual(["etcd-health start", "nodes-ready start"]);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
