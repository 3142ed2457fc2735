/**
 * `lab stop` and `lab start`: halt a lab's nodes keeping everything, and bring it back. Starting
 * is `lab up` from the lab's own copy of its file: the nodes boot, start their own units, and
 * the checks prove the lab works.
 */
import { labFromState } from "./lab-from-state.js";
import { lockLab } from "./lab-lock.js";
import { labUp, type LabUpInput, type LabUpResult } from "./lab-up.js";
import { writeLabState } from "../lab-state.js";

/** What `lab stop` did. */
export interface LabStopResult {
  lab: string;
  provider: string;
  nodes: number;
  durationMs: number;
}

/** Stops a lab's nodes. */
export async function labStop(name: string): Promise<LabStopResult> {
  const started = Date.now();
  const existing = await labFromState(name);
  await existing.provider.preflight();
  const lock = await lockLab(existing.paths, "stop");
  try {
    await existing.provider.stop(name);
    await writeLabState(existing.paths, { ...existing.state, phase: "stopped", updatedAt: new Date().toISOString() });
  } finally {
    await lock.release();
  }
  return { lab: name, provider: existing.provider.name, nodes: existing.plan.nodes.length, durationMs: Date.now() - started };
}

/**
 * Brings a stopped (or failed) lab back up, as it was last brought up: a lab that went green
 * has its nodes started and waits for them; any other gets every step.
 */
export async function labStart(name: string, input: Pick<LabUpInput, "emit" | "signal">): Promise<LabUpResult> {
  const existing = await labFromState(name);
  return labUp({
    ...input,
    command: "start",
    // The copy names the provider and the node subnet it was brought up with.
    lab: existing.paths.labFile,
    ...(existing.state.with ? { with: existing.state.with } : {}),
  });
}
