/**
 * `lab down`: remove every node, network and volume labelled for the lab, then its state
 * directory. Works on half-made labs and when the state directory is gone or unreadable (then
 * every provider this host can reach is asked for what it holds under the lab's name).
 */
import { readdir, rm, stat } from "node:fs/promises";
import pLimit from "p-limit";
import type { ProviderName } from "../config/lab-schema.js";
import { labsDir, LabPaths } from "../lab-paths.js";
import { readLabState } from "../lab-state.js";
import type { LabResources, Provider } from "../providers/provider.js";
import { createProvider, reachableProviders } from "../providers/registry.js";
import { lockLab } from "./lab-lock.js";

/** What `lab down` removed. */
export interface LabDownResult {
  lab: string;
  removed: LabResources;
  stateRemoved: boolean;
  durationMs: number;
}

/** Removes a lab (from `providers` when given, else its state's provider, else every reachable one). */
export async function labDown(name: string, providers?: Provider[]): Promise<LabDownResult> {
  const started = Date.now();
  const paths = new LabPaths(name);
  const state = await readLabState(paths);
  const hadState = await stat(paths.root).then(() => true, () => false);
  let from = providers;
  if (!from && state) {
    const provider = await createProvider(state.provider as ProviderName);
    await provider.preflight();
    from = [provider];
  }
  from ??= await reachableProviders();
  const lock = await lockLab(paths, "down");
  try {
    const each = await Promise.all(from.map((p) => p.delete(name)));
    const removed: LabResources = {
      lab: name,
      provider: each.map((r) => r.provider).join(","),
      nodes: each.flatMap((r) => r.nodes),
      networks: each.flatMap((r) => r.networks),
      volumes: each.flatMap((r) => r.volumes),
    };
    await rm(paths.root, { recursive: true, force: true });
    return { lab: name, removed, stateRemoved: hadState, durationMs: Date.now() - started };
  } finally {
    await lock.release();
  }
}

/** Removes every lab: those with a state directory and those any reachable provider holds. */
export async function labDownAll(): Promise<LabDownResult[]> {
  const providers = await reachableProviders();
  const names = new Set<string>(await readdir(labsDir()).catch(() => []));
  for (const held of (await Promise.all(providers.map((p) => p.list()))).flat()) names.add(held.lab);
  const limit = pLimit(4);
  return Promise.all([...names].sort().map((name) => limit(() => labDown(name, providers))));
}
