/**
 * The labs the graph tests draw: every lab file shipped in labs/, planned as `lab graph` plans a
 * lab that does not exist yet (the node subnet the file pins, or the first of the pool), plus
 * ha-etcd scaled to its largest counts. Not a test file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseLab } from "../../src/config/load-lab.js";
import { labGraph, type LabGraph } from "../../src/graph/lab-graph.js";
import { planLab } from "../../src/plan/plan.js";

// From the module's path rather than `new URL(...)`: the Mermaid test runs under jsdom, whose URL is not Node's.
const LABS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "labs");

/** The node subnet assumed for a lab file that pins none (what lab up picks on an idle host). */
const ASSUMED_SUBNET = "172.30.0.0/24";

/** A lab to draw. */
export interface GraphCase {
  id: string;
  graph: LabGraph;
}

/** The graph of a lab file's text, with group counts changed by `scale`. */
function graphOf(text: string, file: string, scale: Record<string, number> = {}): LabGraph {
  const { lab } = parseLab(text, file, { scale });
  const pinned = lab.network.nodeSubnet;
  const plan = planLab({ ...lab, network: { ...lab.network, nodeSubnet: pinned ?? ASSUMED_SUBNET } });
  return labGraph(plan, pinned === undefined ? "assumed" : "file");
}

/** Every lab file of labs/, by name. */
export function shippedLabs(): string[] {
  return readdirSync(LABS_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.replace(/\.yaml$/, ""))
    .sort();
}

/** Every case: each shipped lab, and ha-etcd at its largest. */
export function graphCases(): GraphCase[] {
  const cases = shippedLabs().map((name) => {
    const file = join(LABS_DIR, `${name}.yaml`);
    return { id: name, graph: graphOf(readFileSync(file, "utf8"), file) };
  });
  const haEtcd = join(LABS_DIR, "ha-etcd.yaml");
  cases.push({ id: "ha-etcd-scaled", graph: graphOf(readFileSync(haEtcd, "utf8"), haEtcd, { etcd: 5, controller: 3, worker: 5 }) });
  return cases;
}
