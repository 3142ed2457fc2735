/**
 * A lab that was brought up, read back from its state directory: the lab file as it was used
 * (defaults applied, node subnet filled in), its plan and its provider.
 */
import { loadLabFile } from "../config/load-lab.js";
import { UserError } from "../errors.js";
import { LabPaths } from "../lab-paths.js";
import { readLabState, type LabState } from "../lab-state.js";
import { planLab, type Plan, type PlannedNode, type ResolvedLab } from "../plan/plan.js";
import type { ProviderName } from "../config/lab-schema.js";
import type { Provider } from "../providers/provider.js";
import { createProvider } from "../providers/registry.js";

/** A lab brought up earlier. */
export interface ExistingLab {
  paths: LabPaths;
  state: LabState;
  lab: ResolvedLab;
  plan: Plan;
  provider: Provider;
}

/** Reads a lab that was brought up; a UserError when there is none. */
export async function labFromState(name: string, env: NodeJS.ProcessEnv = process.env): Promise<ExistingLab> {
  const paths = new LabPaths(name, env);
  const state = await readLabState(paths);
  if (!state) {
    throw new UserError(`failed to find lab ${name}: it is not up`, { hint: `bring it up with: lab up ${name}` });
  }
  const { lab } = await loadLabFile(paths.labFile);
  if (!lab.network.nodeSubnet) throw new Error(`bug: ${paths.labFile} has no node subnet`);
  const resolved = lab as ResolvedLab;
  return {
    paths,
    state,
    lab: resolved,
    plan: planLab(resolved),
    provider: await createProvider(state.provider as ProviderName),
  };
}

/** The lab's node called `name`; a UserError listing its nodes when there is none. */
export function labNode(existing: ExistingLab, name: string, action: string): PlannedNode {
  const node = existing.plan.nodes.find((n) => n.name === name);
  if (!node) {
    throw new UserError(`failed to ${action}: lab ${existing.plan.labName} has no node ${name}`, {
      hint: `its nodes: ${existing.plan.nodes.map((n) => n.name).join(", ")}`,
      exitCode: 2,
    });
  }
  return node;
}
