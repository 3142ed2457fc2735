/**
 * `lab explain` run as a user runs it (the built CLI, no lab up: each lab planned from its file):
 * every step of every shipped lab explained in under a second, the text and JSON forms, and an
 * unknown lab or step refused with exit code 2.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LabExplanation } from "../../src/lab/lab-explain.js";
import { lab } from "../e2e/support.js";

const LABS = ["coreos-single", "fedora-multi", "ha-etcd"];
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  env = { ...process.env, KUBELAB_HOME: await mkdtemp(join(tmpdir(), "kubelab-explain-cli-")) };
});

afterAll(async () => {
  await rm(env.KUBELAB_HOME!, { recursive: true, force: true });
});

describe("lab explain", () => {
  it("explains every step of every shipped lab, each in under a second", async () => {
    const times: number[] = [];
    for (const name of LABS) {
      const all = await lab(["explain", name, "--json"], env);
      expect(all.exitCode, all.all).toBe(0);
      const steps = (JSON.parse(all.stdout) as LabExplanation).steps.map((s) => s.id);
      expect(steps).toContain("etcd");
      for (const step of steps) {
        const started = Date.now();
        const r = await lab(["explain", name, step], env);
        times.push(Date.now() - started);
        expect(r.exitCode, `${name} ${step}: ${r.all}`).toBe(0);
        expect(r.stdout).toContain(`\n${step}: `);
      }
    }
    times.sort((a, b) => a - b);
    console.info(`  lab explain LAB STEP, ${times.length} runs: median ${times[Math.floor(times.length / 2)]} ms, slowest ${times.at(-1)} ms (process start included)`);
    expect(times.at(-1)).toBeLessThan(1000);
  }, 120_000);

  it("prints fedora-multi's flannel step with the etcd key its network configuration goes to", async () => {
    const r = await lab(["explain", "fedora-multi", "overlay"], env);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain("  on fed-master:\n    # write flannel's network configuration to etcd\n    $ etcdctl ");
    expect(r.stdout).toContain(" put /coreos.com/network/config ");
    expect(r.stdout).toContain("  on fed-node2:\n");
  });

  it("refuses an unknown step or lab with exit code 2", async () => {
    const step = await lab(["explain", "coreos-single", "flannel"], env);
    expect(step.exitCode).toBe(2);
    expect(step.stderr).toContain("failed to find step flannel in lab coreos-single");
    expect(step.stderr).toContain("its steps, in order: artifacts, node-image, nodes, pki");
    const missing = await lab(["explain", "no-such-lab"], env);
    expect(missing.exitCode).toBe(2);
  });
});
