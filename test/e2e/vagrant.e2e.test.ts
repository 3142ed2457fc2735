/**
 * End to end on virtual machines: coreos-single brought up with `--provider vagrant` on a real
 * libvirt VM (software emulation where KVM does not work, as here), with the same pipeline and the
 * same checks as on Docker; commands reach the VM over SSH; `lab down` leaves no domain, network,
 * pool or volume behind.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packagePath } from "../../src/package-root.js";
import type { CheckResult } from "../../src/pipeline/events.js";
import { detectAcceleration } from "../../src/providers/vagrant/acceleration.js";
import { LabPaths } from "../../src/lab-paths.js";
import { SESSIONS_PER_NODE, SSHD_MAX_SESSIONS, sshExec } from "../../src/providers/vagrant/ssh-session.js";
import { domainPrefix, labNetworkName, labPoolName, managementNetworkName } from "../../src/providers/vagrant/vagrant-names.js";
import { E2E_REQUIRED, e2eSkipReason, importTestArtifacts, isolatedEnv, jsonLines, labFileCopy, type CliResult } from "./support.js";

const NAME = "e2e-vm";

/** Why VMs cannot be made here, if they cannot. */
async function vmBlocker(): Promise<string | undefined> {
  const plugins = await execa("vagrant", ["plugin", "list"], { reject: false, env: { VAGRANT_CHECKPOINT_DISABLE: "1" } });
  if (plugins.exitCode !== 0) return "vagrant is not installed";
  if (!plugins.stdout.includes("vagrant-libvirt")) return "the vagrant-libvirt plugin is not installed";
  const libvirt = await execa("virsh", ["-c", "qemu:///system", "version"], { reject: false });
  if (libvirt.exitCode !== 0) return `libvirtd is not reachable (${libvirt.stderr.trim()})`;
  return undefined;
}

const skip = (await e2eSkipReason("coreos-single on a VM")) ?? (await vmBlocker());
if (skip && E2E_REQUIRED) throw new Error(`end-to-end tests are required (KUBELAB_E2E=required) but VMs cannot run: ${skip}`);
if (skip) console.warn(`\n  SKIPPED end-to-end suite "coreos-single on a VM": ${skip}. These tests did NOT run.\n`);

/** Runs the CLI with room for VMs under software emulation. */
async function lab(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const r = await execa("node", [packagePath("dist", "cli", "main.js"), ...args], { env, reject: false, all: true, timeout: 1_500_000 });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, all: r.all ?? "" };
}

/** What libvirt holds with the lab's name in it. */
async function libvirtObjects(): Promise<string[]> {
  const list = async (args: string[]) => (await execa("virsh", ["-c", "qemu:///system", ...args])).stdout.split("\n").map((l) => l.trim()).filter(Boolean);
  const names = [...(await list(["list", "--all", "--name"])), ...(await list(["net-list", "--all", "--name"])), ...(await list(["pool-list", "--all", "--name"]))];
  return names.filter((n) => n.startsWith(domainPrefix(NAME)) || n === labNetworkName(NAME) || n === managementNetworkName(NAME) || n === labPoolName(NAME));
}

describe.skipIf(skip)("coreos-single on a VM (provider vagrant)", () => {
  let env: NodeJS.ProcessEnv;
  let up: CliResult;
  let events: Record<string, unknown>[];
  let upSeconds: number;

  beforeAll(async () => {
    env = await isolatedEnv();
    const file = await labFileCopy("coreos-single", NAME);
    await importTestArtifacts(env);
    const started = Date.now();
    up = await lab(["up", file, "--provider", "vagrant", "--json"], env);
    upSeconds = (Date.now() - started) / 1000;
    events = jsonLines(up.stdout);
  }, 1_600_000);

  afterAll(async () => {
    if (env) await lab(["down", NAME], env);
  }, 300_000);

  it("comes up with the same checks as on Docker, every one that can run here green", async () => {
    expect(up.exitCode, up.all.slice(-4000)).toBe(0);
    expect(events.at(-1)).toMatchObject({ type: "run-end", status: "ok" });
    const checks = events.filter((e) => e.type === "check").map((e) => e.result as CheckResult);
    const ids = [...new Set(checks.map((c) => c.check))].sort();
    // The checks coreos-single runs on Docker (test/e2e/coreos-single.e2e.test.ts).
    expect(ids).toEqual(expect.arrayContaining(["apiserver-health", "cluster-info", "component-statuses", "etcd-health", "etcd-version", "nodes-ready", "pod-logs", "cluster-ip-service", "dns"].sort()));
    for (const c of checks) {
      if (c.check === "dns" && c.status === "not-run") {
        expect(c.hint).toContain(`lab images load ${NAME}`);
        console.info(`  dns check NOT RUN on the VM (no CoreDNS image here): ${c.reason}`);
        continue;
      }
      expect(c, JSON.stringify(c)).toMatchObject({ status: "pass" });
    }
    const nodes = events.find((e) => e.type === "step-end" && e.step === "nodes") as { durationMs: number };
    const acceleration = await detectAcceleration();
    console.info(`  coreos-single on a VM (libvirt driver ${acceleration.driver}): lab up ${upSeconds.toFixed(1)}s, of which VMs to SSH and systemd ${(nodes.durationMs / 1000).toFixed(1)}s`);
  });

  it("streams Vagrant's output per node while the VM is made", () => {
    const lines = events.filter((e) => e.type === "progress" && e.step === "nodes" && e.node === "core1").map((e) => String(e.message));
    expect(lines.some((l) => /Creating domain|Starting domain/.test(l)), lines.join("\n")).toBe(true);
  });

  it("runs a real VM: its own kernel, the plan's hostname and address, reached over SSH", async () => {
    const hostKernel = (await execa("uname", ["-r"])).stdout.trim();
    const r = await lab(["exec", NAME, "core1", "--", "sh", "-c", "uname -r; hostname; ip -4 -o addr show; systemd-detect-virt; ls /usr/local/bin"], env);
    expect(r.exitCode, r.all).toBe(0);
    const [kernel, hostname] = r.stdout.split("\n");
    expect(hostname).toBe("core1");
    expect(r.stdout).toMatch(/^(qemu|kvm)$/m);
    expect(r.stdout).toMatch(/inet \d+\.\d+\.\d+\.10\/24/);
    // The binaries the node runs were copied in; the control plane's travel in its images.
    expect(r.stdout).toMatch(/^kubelet$/m);
    expect(r.stdout).toMatch(/^etcd$/m);
    expect(r.stdout).not.toMatch(/^kube-apiserver$/m);
    console.info(`  the VM runs kernel ${kernel} (the host: ${hostKernel})`);
    const domains = (await execa("virsh", ["-c", "qemu:///system", "list", "--name"])).stdout;
    expect(domains).toContain(`${domainPrefix(NAME)}core1`);
  });

  it("raises sshd's sessions per connection, so that commands at once all share the one connection", async () => {
    const config = new LabPaths(NAME, env).sshConfig;
    const sshd = await sshExec(config, "core1", ["sh", "-c", "sshd -T | grep '^maxsessions '"]);
    expect(sshd.stdout.trim()).toBe(`maxsessions ${SSHD_MAX_SESSIONS}`);
    expect(SSHD_MAX_SESSIONS).toBeGreaterThanOrEqual(2 * SESSIONS_PER_NODE);
    // In sshd's journal, each connection it accepts is an "Accepted publickey" line, and each
    // session it refuses for MaxSessions a "no more sessions" line. The journal may lag: read it
    // until it holds still.
    const journal = async (): Promise<{ connections: number; refused: number }> => {
      const r = await sshExec(config, "core1", ["journalctl", "-u", "ssh", "--no-pager", "-o", "cat"]);
      return { connections: r.stdout.split("\n").filter((l) => l.startsWith("Accepted publickey")).length, refused: r.stdout.split("\n").filter((l) => l.includes("no more sessions")).length };
    };
    const settled = async (): Promise<{ connections: number; refused: number }> => {
      let last = await journal();
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const now = await journal();
        if (JSON.stringify(now) === JSON.stringify(last)) return now;
        last = now;
      }
    };
    const before = await settled();
    // ssh itself, 14 at once: more than sshd's default of 10 sessions per connection, each of
    // which would be refused and make a connection of its own (saying so, at this log level).
    const raw = await Promise.all(Array.from({ length: 14 }, () => execa("ssh", ["-F", config, "-o", "LogLevel=ERROR", "core1", "--", "sleep 2; echo ok"], { reject: false })));
    raw.forEach((r) => expect({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual({ exitCode: 0, stdout: "ok", stderr: "" }));
    // kubelab's commands, 30 at once: 8 at a time, with those ending still counted by sshd.
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => sshExec(config, "core1", ["sh", "-c", `sleep 2; echo ok ${i}`])));
    results.forEach((r, i) => expect(r, JSON.stringify(r)).toEqual({ exitCode: 0, stdout: `ok ${i}\n`, stderr: "" }));
    expect(await settled()).toEqual(before);
  }, 180_000);

  it("status lists the node as a running VM", async () => {
    const r = await lab(["status", NAME, "--json"], env);
    expect(r.exitCode, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      provider: "vagrant",
      phase: "up",
      nodeStatus: [{ name: "core1", id: `${domainPrefix(NAME)}core1`, state: "running" }],
    });
  });

  it("down removes every domain, network, pool and volume, and the state", async () => {
    const before = await libvirtObjects();
    expect(before.length).toBeGreaterThan(0);
    const r = await lab(["down", NAME], env);
    expect(r.exitCode, r.all).toBe(0);
    expect(await libvirtObjects()).toEqual([]);
    expect(await stat(join(env.KUBELAB_HOME!, "labs", NAME)).catch(() => undefined)).toBeUndefined();
  }, 300_000);
});
