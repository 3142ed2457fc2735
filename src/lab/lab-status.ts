/**
 * `lab status` and `lab list`: what exists for a lab (from its state and from the provider, found
 * by label) and how its last checks went.
 */
import { readdir, readFile } from "node:fs/promises";
import { labsDir, LabPaths } from "../lab-paths.js";
import { readLabState, type LabState } from "../lab-state.js";
import type { CheckResult } from "../pipeline/events.js";
import type { LabResources, NodeStatus, Provider } from "../providers/provider.js";

/** One lab as `lab list` shows it. */
export interface LabSummary {
  lab: string;
  provider: string;
  /** up, failed, creating (from the state), or orphaned (resources without state). */
  phase: LabState["phase"] | "orphaned";
  nodes: number;
  running: number;
  createdAt?: string;
}

/** One lab in detail, for `lab status`. */
export interface LabStatus extends LabSummary {
  state?: LabState;
  resources: LabResources;
  nodeStatus: NodeStatus[];
  kubeconfig: string;
  lastChecks: CheckResult[];
}

async function lastChecks(paths: LabPaths): Promise<CheckResult[]> {
  try {
    return JSON.parse(await readFile(paths.checksFile, "utf8")) as CheckResult[];
  } catch {
    return [];
  }
}

function summarize(lab: string, state: LabState | undefined, resources: LabResources | undefined): LabSummary {
  const nodes = resources?.nodes ?? [];
  return {
    lab,
    provider: state?.provider ?? resources?.provider ?? "docker",
    phase: state?.phase ?? "orphaned",
    nodes: nodes.length,
    running: nodes.filter((n) => n.state === "running").length,
    createdAt: state?.createdAt ?? nodes[0]?.createdAt,
  };
}

/** The status of one lab. */
export async function labStatus(name: string, provider: Provider): Promise<LabStatus> {
  const paths = new LabPaths(name);
  const state = await readLabState(paths);
  const [resources] = await provider.list(name);
  const res = resources ?? { lab: name, provider: provider.name, nodes: [], networks: [], volumes: [] };
  return {
    ...summarize(name, state, res),
    state,
    resources: res,
    nodeStatus: res.nodes,
    kubeconfig: paths.adminKubeconfig,
    lastChecks: await lastChecks(paths),
  };
}

/** Every lab: those with state and those the providers hold without state. */
export async function listLabs(providers: Provider[]): Promise<LabSummary[]> {
  const names = new Set<string>(await readdir(labsDir()).catch(() => []));
  const resources = (await Promise.all(providers.map((p) => p.list()))).flat();
  for (const r of resources) names.add(r.lab);
  const out: LabSummary[] = [];
  for (const name of [...names].sort()) {
    const state = await readLabState(new LabPaths(name));
    const res = resources.find((r) => r.lab === name && (!state || r.provider === state.provider));
    if (!state && !res) continue;
    out.push(summarize(name, state, res));
  }
  return out;
}
