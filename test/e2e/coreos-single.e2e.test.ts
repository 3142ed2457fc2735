/**
 * End to end, against the real Docker engine with real Kubernetes binaries: the coreos-single lab
 * comes up with every check green, its state is private, kubectl on the host reaches it, verify,
 * status, list, logs and exec work, a rerun reuses its certificates, and down removes every trace
 * without the host's sysctls having changed at any point.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  e2eSkipReason,
  hostSysctls,
  isolatedEnv,
  jsonLines,
  lab,
  labelled,
  type CliResult,
  labFileCopy,
  sysctlChanges,
  TEST_ARTIFACTS,
} from "./support.js";

const NAME = "e2e-coreos";
const skip = await e2eSkipReason("coreos-single");

describe.skipIf(skip)("coreos-single on Docker", () => {
  let env: NodeJS.ProcessEnv;
  let file: string;
  let sysctlsBefore: Map<string, string>;
  let up: CliResult;
  let upEvents: Record<string, unknown>[];
  const stateDir = (): string => join(env.KUBELAB_HOME!, "labs", NAME);

  beforeAll(async () => {
    env = await isolatedEnv();
    file = await labFileCopy("coreos-single", NAME);
    sysctlsBefore = await hostSysctls();
    const imported = await lab(["artifacts", "import", TEST_ARTIFACTS], env);
    expect(imported.exitCode, imported.all).toBe(0);
    up = await lab(["up", file, "--json"], env);
    upEvents = jsonLines(up.stdout);
  }, 240_000);

  afterAll(async () => {
    // Whatever happened above, leave nothing behind.
    if (env) await lab(["down", NAME], env);
  }, 60_000);

  it("comes up with every check green", () => {
    expect(up.exitCode, up.all).toBe(0);
    const end = upEvents.at(-1) as { type: string; status: string; durationMs: number };
    expect(end).toMatchObject({ type: "run-end", status: "ok" });
    const checks = upEvents.filter((e) => e.type === "check").map((e) => e.result as { check: string; status: string; saw: string });
    expect(checks.map((c) => c.check).sort()).toEqual(["cluster-ip-service", "component-statuses", "etcd-health", "nodes-ready", "pod-logs"]);
    for (const c of checks) expect(c.status, `${c.check}: ${c.saw}`).toBe("pass");
    expect(checks.find((c) => c.check === "component-statuses")!.saw).toBe("controller-manager Healthy, etcd-0 Healthy, scheduler Healthy");
    console.info(`  lab up ${NAME}: ${(end.durationMs / 1000).toFixed(1)}s to all checks green`);
  });

  it("reports every step as an event pair, in pipeline order", () => {
    const start = upEvents[0] as { type: string; steps: { id: string }[] };
    expect(start.type).toBe("run-start");
    expect(start.steps.map((s) => s.id)).toEqual(["artifacts", "node-image", "nodes", "pki", "files", "etcd", "kubelet", "control-plane", "pod-network", "checks"]);
    for (const { id } of start.steps) {
      expect(upEvents.some((e) => e.type === "step-start" && e.step === id), id).toBe(true);
      expect(upEvents.some((e) => e.type === "step-end" && e.step === id && e.status === "ok"), id).toBe(true);
    }
  });

  it("keeps private keys and kubeconfigs private", async () => {
    const pki = join(stateDir(), "pki");
    const keys = (await readdir(pki)).filter((f) => f.endsWith(".key"));
    expect(keys.length).toBeGreaterThanOrEqual(15);
    for (const k of keys) expect(((await stat(join(pki, k))).mode & 0o777).toString(8), k).toBe("600");
    expect(((await stat(join(stateDir(), "kubeconfig", "admin.kubeconfig"))).mode & 0o777).toString(8)).toBe("600");
    expect(((await stat(stateDir())).mode & 0o777).toString(8)).toBe("700");
    // Inside the node too.
    const inNode = await lab(["exec", NAME, "core1", "--", "sh", "-c", "stat -c '%a %n' /etc/kubernetes/pki/*.key /etc/kubernetes/*.kubeconfig"], env);
    expect(inNode.exitCode, inNode.all).toBe(0);
    for (const line of inNode.stdout.trim().split("\n")) expect(line).toMatch(/^600 /);
  });

  it("gives the host a working admin kubeconfig", async () => {
    const kubectl = join(TEST_ARTIFACTS, "bin", "kubectl");
    const r = await execa(kubectl, ["--kubeconfig", join(stateDir(), "kubeconfig", "admin.kubeconfig"), "get", "nodes", "-o", "json"], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const nodes = JSON.parse(r.stdout) as { items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[] };
    expect(nodes.items.map((n) => n.metadata.name)).toEqual(["core1"]);
    expect(nodes.items[0]!.status.conditions.find((c) => c.type === "Ready")!.status).toBe("True");
  });

  it("verifies again, as JSON", async () => {
    const r = await lab(["verify", NAME, "--json"], env);
    expect(r.exitCode, r.all).toBe(0);
    const results = jsonLines(r.stdout).filter((e) => e.type === "check").map((e) => e.result as { status: string });
    expect(results).toHaveLength(5);
    expect(results.every((x) => x.status === "pass")).toBe(true);
  });

  it("shows the lab in status and list, and reads logs and runs commands in its node", async () => {
    const status = await lab(["status", NAME], env);
    expect(status.exitCode, status.all).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`lab ${NAME}: up, provider docker, 1/1 nodes running`));
    expect(status.stdout).toMatch(/core1\s+running\s+172\.30\.\d+\.10/);
    const list = await lab(["list", "--json"], env);
    const listed = JSON.parse(list.stdout) as { labs: { lab: string; phase: string; running: number }[] };
    expect(listed.labs.find((l) => l.lab === NAME)).toMatchObject({ phase: "up", running: 1 });
    const logs = await lab(["logs", NAME, "core1", "etcd", "-n", "50"], env);
    expect(logs.exitCode).toBe(0);
    expect(logs.stdout).toMatch(/etcd/);
    const failing = await lab(["exec", NAME, "core1", "--", "sh", "-c", "exit 3"], env);
    expect(failing.exitCode).toBe(3);
  });

  it("reuses every certificate when brought up again unchanged", async () => {
    const before = await readFile(join(stateDir(), "pki", "kube-apiserver.crt"), "utf8");
    const again = await lab(["up", file, "--json"], env);
    expect(again.exitCode, again.all).toBe(0);
    const pkiLog = jsonLines(again.stdout).find((e) => e.type === "log" && e.step === "pki") as { message: string };
    expect(pkiLog.message).toMatch(/^0 certificates made, \d+ reused/);
    expect(await readFile(join(stateDir(), "pki", "kube-apiserver.crt"), "utf8")).toBe(before);
  }, 120_000);

  it("never changed the host's sysctls while up", async () => {
    expect(sysctlChanges(sysctlsBefore, await hostSysctls())).toEqual([]);
  });

  it("goes down within 5 s, leaving no container, network, volume or state", async () => {
    const started = Date.now();
    const r = await lab(["down", NAME], env);
    const took = Date.now() - started;
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/removed: 1 nodes, 1 networks, 1 volumes, state directory/);
    expect(took).toBeLessThan(5000);
    expect(await labelled(NAME)).toEqual({ containers: [], networks: [], volumes: [] });
    await expect(stat(stateDir())).rejects.toThrow();
    expect(sysctlChanges(sysctlsBefore, await hostSysctls())).toEqual([]);
    console.info(`  lab down ${NAME}: ${(took / 1000).toFixed(1)}s (CLI start included)`);
  });
});
