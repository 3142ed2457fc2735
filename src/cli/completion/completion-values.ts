/**
 * What completion offers, read from disk only (no Docker, no VMs, so a Tab answers at once): the
 * lab files, the labs that exist (their state directories), a lab's nodes (from its own copy of
 * its lab file) and a node's units (those rendered for it, plus containerd where kubelet runs).
 * Anything unreadable completes to nothing.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { LabPaths, labsDir } from "../../lab-paths.js";
import { labFiles } from "../../lab/lab-files.js";
import { labFromState } from "../../lab/lab-from-state.js";
import { upSteps } from "../../lab/lab-explain.js";
import { planOfLab } from "../../lab/plan-of-lab.js";
import { UNIT_DIR } from "../../render/node-layout.js";

/** The sources of completion candidates. */
export interface CompletionValues {
  /** The lab files `lab up NAME` finds. */
  labFiles(): Promise<string[]>;
  /** The labs that exist. */
  labs(): Promise<string[]>;
  /** A lab's nodes. */
  nodes(lab: string): Promise<string[]>;
  /** A node's systemd units. */
  units(lab: string, node: string): Promise<string[]>;
  /** The steps of `lab up` for a lab (a name or a lab file), in order. */
  steps(lab: string): Promise<string[]>;
}

/** Candidates from the lab files of `cwd` and kubelab, and the state home of `env`. */
export function completionValues(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CompletionValues {
  return {
    labFiles: async () => (await labFiles(cwd)).map((f) => f.name),
    labs: async () => (await readdir(labsDir(env), { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => d.name).sort(),
    nodes: async (lab) => (await labFromState(lab, env).catch(() => undefined))?.plan.nodes.map((n) => n.name) ?? [],
    units: async (lab, node) => {
      const dir = join(new LabPaths(lab, env).nodeDir(node), UNIT_DIR);
      // Units rendered whole (`etcd.service`) or as drop-ins for the image's own (`haproxy.service.d`).
      const units = (await readdir(dir).catch(() => [])).flatMap((f) => {
        const m = /^(.+)\.service(\.d)?$/.exec(f);
        return m ? [m[1]!] : [];
      });
      return [...new Set([...units, ...(units.includes("kubelet") ? ["containerd"] : [])])].sort();
    },
    steps: async (lab) => {
      const planned = await planOfLab(lab, env).catch(() => undefined);
      return planned ? upSteps(planned.plan).map((s) => s.step.id) : [];
    },
  };
}
