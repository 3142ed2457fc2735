/**
 * `lab down`: remove every node, network and volume labelled for the lab, then its state
 * directory. Works on half-made labs and when the state directory is gone or unreadable.
 */
import { rm, stat } from "node:fs/promises";
import type { ProviderName } from "../config/lab-schema.js";
import { LabPaths } from "../lab-paths.js";
import { readLabState } from "../lab-state.js";
import type { LabResources, Provider } from "../providers/provider.js";
import { createProvider } from "../providers/registry.js";

/** What `lab down` removed. */
export interface LabDownResult {
  lab: string;
  removed: LabResources;
  stateRemoved: boolean;
  durationMs: number;
}

/** Removes a lab. */
export async function labDown(name: string, providerInstance?: Provider): Promise<LabDownResult> {
  const started = Date.now();
  const paths = new LabPaths(name);
  const state = await readLabState(paths);
  const provider = providerInstance ?? createProvider((state?.provider ?? "docker") as ProviderName);
  await provider.preflight();
  const removed = await provider.delete(name);
  const hadState = await stat(paths.root).then(() => true, () => false);
  await rm(paths.root, { recursive: true, force: true });
  return { lab: name, removed, stateRemoved: hadState, durationMs: Date.now() - started };
}
