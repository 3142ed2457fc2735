/**
 * The lab `lab doctor NAME` asks about: its provider (which decides what a missing tool costs), its
 * nodes as the plan sees them (roles, what runs where, VM sizes) and the ranges it wants.
 */
import { relative } from "node:path";
import { loadLabFile } from "../config/load-lab.js";
import type { ProviderName } from "../config/lab-schema.js";
import { findLabFile } from "../lab/find-lab-file.js";
import { LabPaths } from "../lab-paths.js";
import { readLabState } from "../lab-state.js";
import { FIRST_POOL_SUBNET } from "../lab/pick-subnet.js";
import { planLab, type PlannedNode } from "../plan/plan.js";

/** A lab as the doctor needs it. */
export interface DoctorLab {
  name: string;
  provider: ProviderName;
  nodes: readonly PlannedNode[];
  network: {
    /** The node subnet the file pins or an earlier `lab up` picked, if any (otherwise `lab up` picks a free one). */
    nodeSubnet: string | undefined;
    podCidr: string;
    serviceCidr: string;
  };
}

/**
 * Loads a lab by name or path, as `lab up` does.
 * @throws UserError when there is no such lab; LabFileError when its file has errors.
 */
export async function loadDoctorLab(arg: string, provider?: ProviderName): Promise<DoctorLab> {
  const file = await findLabFile(arg);
  const shown = relative(process.cwd(), file);
  const { lab } = await loadLabFile(shown.startsWith("..") ? file : shown);
  const nodeSubnet = lab.network.nodeSubnet ?? (await readLabState(new LabPaths(lab.name)))?.nodeSubnet;
  // Addresses do not matter here: a lab without a subnet yet is planned in the pool's first /24.
  const plan = planLab({ ...lab, network: { ...lab.network, nodeSubnet: nodeSubnet ?? FIRST_POOL_SUBNET } });
  return {
    name: lab.name,
    provider: provider ?? lab.provider,
    nodes: plan.nodes,
    network: { nodeSubnet, podCidr: lab.network.podCidr, serviceCidr: lab.network.serviceCidr },
  };
}
