/**
 * The plan of a lab named on the command line, for commands that read it without bringing it up
 * (`lab graph`, `lab explain`): the lab as it was brought up (its own copy of its lab file and the
 * node subnet it got) when it exists, otherwise as its lab file plans it.
 */
import { relative } from "node:path";
import { loadLabFile, type LoadedLab } from "../config/load-lab.js";
import { LabPaths } from "../lab-paths.js";
import { readLabState } from "../lab-state.js";
import { planLab, type Plan } from "../plan/plan.js";
import { findLabFile, isLabPath } from "./find-lab-file.js";
import { labFromState } from "./lab-from-state.js";
import { FIRST_POOL_SUBNET } from "./pick-subnet.js";

/** Where the plan's node subnet comes from: the lab's state, its lab file, or assumed (the pool's first /24). */
export type SubnetSource = "state" | "file" | "assumed";

/** A lab file as `lab up` names it in problems: relative to the current folder when inside it. */
async function loadLab(file: string): Promise<LoadedLab> {
  const shown = relative(process.cwd(), file);
  return loadLabFile(shown.startsWith("..") ? file : shown);
}

/**
 * The plan of `arg`, a lab name or a lab file path (as `lab up` takes it). A lab file that leaves
 * the node subnet to `lab up` is planned on the first /24 of the pool subnets are picked from.
 */
export async function planOfLab(arg: string, env: NodeJS.ProcessEnv = process.env): Promise<{ plan: Plan; subnet: SubnetSource }> {
  const loaded = isLabPath(arg) ? await loadLab(await findLabFile(arg)) : undefined;
  const name = loaded?.lab.name ?? arg;
  if (await readLabState(new LabPaths(name, env))) return { plan: (await labFromState(name, env)).plan, subnet: "state" };
  const { lab } = loaded ?? (await loadLab(await findLabFile(arg)));
  const pinned = lab.network.nodeSubnet;
  const plan = planLab({ ...lab, network: { ...lab.network, nodeSubnet: pinned ?? FIRST_POOL_SUBNET } });
  return { plan, subnet: pinned === undefined ? "assumed" : "file" };
}
