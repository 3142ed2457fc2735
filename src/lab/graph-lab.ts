/**
 * The topology `lab graph` shows: of the lab as it was brought up when it exists, otherwise as its
 * lab file plans it (see planOfLab).
 */
import { labGraph, type LabGraph } from "../graph/lab-graph.js";
import { planOfLab } from "./plan-of-lab.js";

/**
 * The graph of `arg`, a lab name or a lab file path (as `lab up` takes it). A lab file that leaves
 * the node subnet to `lab up` is drawn on the first /24 of the pool subnets are picked from, and
 * the graph says so.
 */
export async function graphLab(arg: string, env: NodeJS.ProcessEnv = process.env): Promise<LabGraph> {
  const { plan, subnet } = await planOfLab(arg, env);
  return labGraph(plan, subnet);
}
