/**
 * End to end, bad input and failures: each gives a clear message and a non-zero exit; before the
 * first node exists nothing is left behind; a failure midway keeps the nodes, says how to read
 * their logs and how to remove them, and `lab down` then removes everything.
 */
import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { e2eSkipReason, importTestArtifacts, isolatedEnv, jsonLines, lab, labelled, labFileCopy, TEST_ARTIFACTS } from "./support.js";
import { scratchDir } from "../scratch-dir.js";

const skip = await e2eSkipReason("bad input");

/** Asserts that a lab left no trace: no labelled Docker object, no state directory. */
async function expectNothingMade(env: NodeJS.ProcessEnv, name: string): Promise<void> {
  expect(await labelled(name)).toEqual({ containers: [], networks: [], volumes: [] });
  await expect(stat(join(env.KUBELAB_HOME!, "labs", name))).rejects.toThrow();
}

describe.skipIf(skip)("bad input and failures", () => {
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    env = await isolatedEnv();
    await importTestArtifacts(env);
  }, 60_000);

  it("rejects an invalid lab file with exit code 2 and every problem at file:line:col", async () => {
    const file = await labFileCopy("coreos-single", "e2e-invalid", [
      ["podCidr: 10.2.0.0/16", "podCidr: 10.3.0.0/16"],
      ["dnsIp: 10.3.0.10", "dnsIp: 10.9.0.10"],
      ["  - name: core1", "  - name: Core_1\n    colour: blue"],
    ]);
    const r = await lab(["up", file], env);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/failed to load lab file .*: \d+ problems/);
    const positioned = r.stderr.split("\n").filter((l) => l.startsWith(file));
    expect(positioned.length).toBeGreaterThanOrEqual(4);
    for (const line of positioned) expect(line).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: (error|warning): `));
    expect(r.stderr).toMatch(/overlap/);
    expect(r.stderr).toMatch(/outside the service range|outside serviceCidr|outside/);
    expect(r.stderr).toMatch(/colour/);
    expect(r.stderr).toMatch(/hint: /);
    await expectNothingMade(env, "e2e-invalid");
  });

  it("says how to fix an unreachable Docker engine, and makes nothing", async () => {
    const file = await labFileCopy("coreos-single", "e2e-nodocker");
    const r = await lab(["up", file], { ...env, DOCKER_HOST: "unix:///nonexistent/docker.sock" });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/failed to reach the Docker engine/);
    expect(r.stderr).toMatch(/hint: .*dockerd/);
    await expectNothingMade(env, "e2e-nodocker");
  });

  it("names missing binaries and the commands that provide them, and makes nothing", async () => {
    const cache = await scratchDir("kubelab-empty-cache-");
    // A mirror on a closed port: the download fails here as it would offline.
    const file = await labFileCopy("coreos-single", "e2e-nobinaries", [["cniVersion: v1.1.1", "cniVersion: v1.1.1\n  mirror: http://127.0.0.1:9"]]);
    const r = await lab(["up", file], { ...env, KUBELAB_CACHE: cache });
    expect(r.exitCode).toBe(1);
    expect(r.all).toMatch(/failed to get the lab's binaries: Kubernetes v1\.20\.2 .*etcd v3\.4\.23 .*CNI plugins v1\.1\.1/s);
    expect(r.all).toMatch(/lab artifacts import DIR/);
    expect(r.all).toMatch(/artifacts: \{ dir: DIR \}/);
    await expectNothingMade(env, "e2e-nobinaries");
  });

  /** A static binary that is not a scheduler: kubectl rejects the scheduler's flags and exits. */
  const notAScheduler = (): string => join(TEST_ARTIFACTS, "bin", "kubectl");

  it("keeps a lab that fails midway for inspection, names the unit with its journal, and removes it on down", async () => {
    const name = "e2e-midway";
    // The systemd control plane (the static-pods one is below).
    const file = await labFileCopy("coreos-single", name, [
      ["controlPlane: static-pods", "controlPlane: systemd"],
      ["addons: [coredns]\n", ""],
      ["  - dns\n", ""],
    ]);
    const r = await lab(["up", file, "--json", "--with", `kube-scheduler=${notAScheduler()}`], { ...env, KUBELAB_TIMEOUT_SCALE: "0.15" });
    expect(r.exitCode).toBe(1);
    const events = jsonLines(r.stdout);
    const failedStep = events.find((e) => e.type === "step-end" && e.status === "failed") as { step: string; error: { message: string; journal?: { unit: string; lines: string[] }[]; hint?: string } };
    expect(failedStep.step).toBe("control-plane");
    expect(failedStep.error.message).toMatch(/timed out after \d+s waiting for the scheduler to be healthy on node core1 \(kube-scheduler on core1\)/);
    expect(failedStep.error.journal?.[0]?.unit).toBe("kube-scheduler");
    expect(failedStep.error.journal?.[0]?.lines.join("\n")).toMatch(/unknown flag: --/);
    const end = events.at(-1) as { type: string; status: string; next: string[] };
    expect(end).toMatchObject({ type: "run-end", status: "failed" });
    expect(end.next.join("\n")).toMatch(/lab logs e2e-midway NODE UNIT/);
    expect(end.next.join("\n")).toMatch(/lab down e2e-midway/);

    // The node is kept, and status says where it stopped.
    expect((await labelled(name)).containers).toEqual([`/${name}-core1`]);
    const status = await lab(["status", name], env);
    expect(status.stdout).toMatch(/failed at step: control-plane/);

    const down = await lab(["down", name], env);
    expect(down.exitCode, down.all).toBe(0);
    await expectNothingMade(env, name);
  }, 120_000);

  it("names a failing static pod, its state and the last lines of its log", async () => {
    const name = "e2e-badpod";
    const file = await labFileCopy("coreos-single", name);
    const r = await lab(["up", file, "--json", "--with", `kube-scheduler=${notAScheduler()}`], { ...env, KUBELAB_TIMEOUT_SCALE: "0.2" });
    try {
      expect(r.exitCode).toBe(1);
      const failedStep = jsonLines(r.stdout).find((e) => e.type === "step-end" && e.status === "failed") as { step: string; error: { message: string; journal?: { unit: string; lines: string[] }[] } };
      expect(failedStep.step).toBe("control-plane");
      expect(failedStep.error.message).toMatch(/waiting for the scheduler to be healthy on node core1/);
      const pod = failedStep.error.journal?.find((j) => j.unit.startsWith("static pod"));
      expect(pod?.unit).toMatch(/^static pod kube-system\/kube-scheduler-core1 \((CrashLoopBackOff|started)\)$/);
      expect(pod?.lines.join("\n")).toMatch(/unknown flag: --/);
    } finally {
      await lab(["down", name], env);
    }
    await expectNothingMade(env, name);
  }, 150_000);

  it("removes a half-made lab whose state directory is gone", async () => {
    const name = "e2e-orphan";
    const file = await labFileCopy("coreos-single", name);
    const r = await lab(["up", file, "--json", "--with", `kube-apiserver=/bin/false`], { ...env, KUBELAB_TIMEOUT_SCALE: "0.05" });
    expect(r.exitCode).toBe(1);
    expect((await labelled(name)).containers).toHaveLength(1);
    await rm(join(env.KUBELAB_HOME!, "labs", name), { recursive: true, force: true });
    const down = await lab(["down", name], env);
    expect(down.exitCode, down.all).toBe(0);
    expect(down.stdout).toMatch(/removed: 1 nodes, 1 networks, 1 volumes/);
    await expectNothingMade(env, name);
  }, 120_000);
});
