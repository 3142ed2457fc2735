/**
 * Which plan `lab graph` draws: a lab that exists is drawn from its own copy of its lab file and
 * the node subnet it got (asked for by name or by its file), a lab that does not from its lab file
 * (its pinned node subnet, or the first of the pool, said to be assumed).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseLab } from "../../src/config/load-lab.js";
import { UserError } from "../../src/errors.js";
import { graphLab } from "../../src/lab/graph-lab.js";
import { LabPaths } from "../../src/lab-paths.js";
import { writeLabState } from "../../src/lab-state.js";
import { packagePath } from "../../src/package-root.js";

let home: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "kubelab-graph-"));
  env = { KUBELAB_HOME: home };
});

afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/** Writes a lab file named `name` (a copy of fedora-multi) into the temporary folder. */
async function labFile(name: string, extra = ""): Promise<string> {
  const text = (await readFile(packagePath("labs", "fedora-multi.yaml"), "utf8")).replace(/^name: .*$/m, `name: ${name}`);
  const file = join(home, `${name}.yaml`);
  await writeFile(file, text.replace(/^network:\n/m, `network:\n${extra}`));
  return file;
}

/** Leaves the state of a lab brought up with 3 workers on 172.31.7.0/24, as `lab up` writes it. */
async function existingLab(name: string): Promise<void> {
  const file = await labFile(name);
  const { lab } = parseLab(await readFile(file, "utf8"), file, { scale: { "fed-node": 3 } });
  const paths = new LabPaths(name, env);
  const now = new Date().toISOString();
  await writeLabState(paths, { lab: name, provider: "docker", labFile: file, createdAt: now, updatedAt: now, phase: "up", nodeSubnet: "172.31.7.0/24" });
  await writeFile(paths.labFile, stringify({ ...lab, network: { ...lab.network, nodeSubnet: "172.31.7.0/24" } }));
}

describe("graphLab", () => {
  it("plans a shipped lab by name from its file, on the first /24 of the pool, and says so", async () => {
    const graph = await graphLab("ha-etcd", env);
    expect(graph.lab).toBe("ha-etcd");
    expect(graph.network).toMatchObject({ nodeSubnet: "172.30.0.0/24", nodeSubnetSource: "assumed" });
    expect(graph.nodes.map((n) => n.ip)).toEqual(["172.30.0.10", "172.30.0.11", "172.30.0.12", "172.30.0.13", "172.30.0.14", "172.30.0.15", "172.30.0.16"]);
  });

  it("plans a lab file given by path with the node subnet it pins", async () => {
    const file = await labFile("pinned", "  nodeSubnet: 172.29.4.0/24\n");
    const graph = await graphLab(file, env);
    expect(graph.lab).toBe("pinned");
    expect(graph.network).toMatchObject({ nodeSubnet: "172.29.4.0/24", nodeSubnetSource: "file" });
    expect(graph.nodes.map((n) => n.ip)).toEqual(["172.29.4.10", "172.29.4.11", "172.29.4.12"]);
  });

  it("draws a lab that exists from its state: its copy of the lab file (3 workers) and its node subnet", async () => {
    await existingLab("grown");
    for (const arg of ["grown", join(home, "grown.yaml")]) {
      const graph = await graphLab(arg, env);
      expect(graph.network).toMatchObject({ nodeSubnet: "172.31.7.0/24", nodeSubnetSource: "state" });
      expect(graph.nodes.map((n) => `${n.name} ${n.ip}`)).toEqual(["fed-master 172.31.7.10", "fed-node1 172.31.7.11", "fed-node2 172.31.7.12", "fed-node3 172.31.7.13"]);
    }
  });

  it("fails with a usage error for a lab that is neither up nor a lab file", async () => {
    const error = await graphLab("no-such-lab", env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ message: "failed to find lab no-such-lab", exitCode: 2 });
  });
});
