/**
 * End to end, against the real Docker engine with real Kubernetes binaries: the coreos-single lab
 * (etcd as a unit, the control plane and kube-proxy as static pods, CoreDNS) comes up with every
 * check that can run here green, its state is private, kubectl on the host reaches it, verify,
 * status, list, logs, exec and images load work, the dig check is proven against a real DNS server,
 * the control plane heals itself, a rerun reuses its certificates, and down removes every trace
 * without the host's sysctls having changed at any point.
 */
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corednsImage } from "../../src/addons/coredns.js";
import { dig } from "../../src/checks/dns.js";
import { buildFillerImage } from "../../src/bench/filler-image.js";
import { hasImage } from "../../src/images/docker-engine.js";
import { TOOLBOX_IMAGE } from "../../src/images/image-names.js";
import { kubectlArgv, watchArgv } from "../../src/pipeline/kubectl.js";
import type { CheckResult } from "../../src/pipeline/events.js";
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
  importTestArtifacts,
  labContext,
  labFingerprint,
  TEST_ARTIFACTS,
} from "./support.js";

const NAME = "e2e-coreos";
const skip = await e2eSkipReason("coreos-single");

/**
 * The dns check either passed, or (CoreDNS's image being neither in the engine nor pullable here)
 * did not run and said why and how to fix it: never green without running, never silent.
 */
async function expectDnsPassesOrSaysWhyNot(results: CheckResult[], env: NodeJS.ProcessEnv): Promise<void> {
  expect(results.length).toBeGreaterThan(0);
  // kubelet gives pods the DNS Service's address: read from its running configuration, no DNS server needed.
  expect(results[0]).toMatchObject({ node: "core1", status: "pass", saw: "kubelet gives pods the DNS server 10.3.0.10" });
  if (results.every((r) => r.status === "pass")) return;
  const [, result] = results;
  expect(results).toHaveLength(2);
  expect(result!.status).toBe("not-run");
  const image = corednsImage((await labContext(NAME, env)).plan);
  expect(await hasImage(new Docker(), image), `${image} is in the engine, so the dns check should have run`).toBe(false);
  expect(result!.reason).toMatch(new RegExp(`the CoreDNS image ${image.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not in the nodes and cannot be pulled here \\((ErrImagePull|ImagePullBackOff)\\)`));
  expect(result!.hint).toContain(`lab images load ${NAME} ${image}`);
  console.info(`  dns check NOT RUN here (as expected without a CoreDNS image): ${result!.reason}`);
}

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
    await importTestArtifacts(env);
    up = await lab(["up", file, "--json"], env);
    upEvents = jsonLines(up.stdout);
  }, 240_000);

  afterAll(async () => {
    // Whatever happened above, leave nothing behind.
    if (env) await lab(["down", NAME], env);
  }, 60_000);

  it("comes up with every check that can run here green", async () => {
    expect(up.exitCode, up.all).toBe(0);
    const end = upEvents.at(-1) as { type: string; status: string; durationMs: number };
    expect(end).toMatchObject({ type: "run-end", status: "ok" });
    const checks = upEvents.filter((e) => e.type === "check").map((e) => e.result as CheckResult);
    expect([...new Set(checks.map((c) => c.check))].sort()).toEqual([
      "apiserver-health", "cluster-info", "cluster-ip-service", "component-statuses", "dns", "etcd-health", "etcd-version", "nodes-ready", "pod-logs",
    ]);
    for (const c of checks.filter((x) => x.check !== "dns")) expect(c.status, `${c.check}: ${c.saw}`).toBe("pass");
    expect(checks.find((c) => c.check === "component-statuses")!.saw).toBe("controller-manager Healthy, etcd-0 Healthy, scheduler Healthy");
    expect(checks.find((c) => c.check === "apiserver-health")!.saw).toBe("version v1.20.2, healthz ok");
    expect(checks.find((c) => c.check === "etcd-version")!.saw).toMatch(/^etcdserver 3\.4\.23, etcdcluster 3\.4\.0$/);
    expect(checks.find((c) => c.check === "cluster-info")!.saw).toMatch(/^Kubernetes control plane is running at https:\/\/172\.30\.\d+\.10:6443$/);
    await expectDnsPassesOrSaysWhyNot(checks.filter((c) => c.check === "dns"), env);
    console.info(`  lab up ${NAME}: ${(end.durationMs / 1000).toFixed(1)}s to every check that can run here green`);
  });

  it("runs the control plane and kube-proxy as static pods, etcd and kubelet as units", async () => {
    const r = await lab(["exec", NAME, "core1", "--", "sh", "-c",
      'ls /etc/kubernetes/manifests; systemctl is-active etcd kubelet; ls /etc/systemd/system/kube-apiserver.service 2>&1; ctr -n k8s.io containers ls -q "labels.\\"io.kubernetes.pod.namespace\\"==kube-system" | wc -l'], env);
    expect(r.stdout.split("\n").slice(0, 4)).toEqual(["kube-apiserver.yaml", "kube-controller-manager.yaml", "kube-proxy.yaml", "kube-scheduler.yaml"]);
    expect(r.stdout).toMatch(/active\nactive\n/);
    expect(r.stdout).toMatch(/No such file or directory/);
    // Four static pods, each a sandbox and a container.
    expect(Number(r.stdout.trim().split("\n").at(-1))).toBeGreaterThanOrEqual(8);
  });

  it("reports every step as an event pair, in pipeline order", () => {
    const start = upEvents[0] as { type: string; steps: { id: string }[] };
    expect(start.type).toBe("run-start");
    expect(start.steps.map((s) => s.id)).toEqual([
      "artifacts", "node-image", "nodes", "pki", "component-images", "files", "etcd", "kubelet", "control-plane", "overlay", "pod-network", "addons", "checks",
    ]);
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
    const results = jsonLines(r.stdout).filter((e) => e.type === "check").map((e) => e.result as CheckResult);
    expect(results.filter((x) => x.check !== "dns").map((x) => `${x.check} ${x.status}`)).toEqual(
      results.filter((x) => x.check !== "dns").map((x) => `${x.check} pass`),
    );
    expect(results.filter((x) => x.check !== "dns")).toHaveLength(8);
    await expectDnsPassesOrSaysWhyNot(results.filter((x) => x.check === "dns"), env);
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

  it("loads a 10 MB image into the node within 3 s, and refuses one that does not exist", async () => {
    const docker = new Docker();
    const tag = "kubelab-e2e/ten-megabytes:1";
    await buildFillerImage(docker, tag, 10 * 1024 * 1024);
    try {
      const started = Date.now();
      const r = await lab(["images", "load", NAME, tag], env);
      const took = Date.now() - started;
      expect(r.exitCode, r.all).toBe(0);
      expect(r.stdout).toMatch(/loaded kubelab-e2e\/ten-megabytes:1 \(10\.\d MB\) into core1/);
      expect(took).toBeLessThan(3000);
      console.info(`  lab images load of a 10 MB image: ${(took / 1000).toFixed(2)}s (CLI start included)`);
      const images = await lab(["exec", NAME, "core1", "--", "ctr", "-n", "k8s.io", "images", "ls", "-q"], env);
      expect(images.stdout).toContain("docker.io/kubelab-e2e/ten-megabytes:1");

      const missing = await lab(["images", "load", NAME, "kubelab-e2e/no-such-image:1", tag], env);
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr).toMatch(/failed to load kubelab-e2e\/no-such-image:1: no such image in the Docker engine, and no such file/);
      const after = await lab(["exec", NAME, "core1", "--", "ctr", "-n", "k8s.io", "images", "ls", "-q"], env);
      expect(after.stdout).toBe(images.stdout);
    } finally {
      await docker.getImage(tag).remove({ force: true });
    }
  });

  it("proves the dig check against a real DNS server (dnsmasq) answering a test zone", async () => {
    const ctx = await labContext(NAME, env);
    const zone = "kubernetes.default.svc.cluster.local";
    const start = await lab(["exec", NAME, "core1", "--", "dnsmasq", "--port=5353", "--listen-address=127.0.0.1", "--bind-interfaces",
      "--no-resolv", "--no-hosts", `--address=/${zone}/10.3.0.1`, "--pid-file=/run/kubelab-test-dnsmasq.pid"], env);
    expect(start.exitCode, start.all).toBe(0);
    try {
      const good = await dig(ctx, "core1", "127.0.0.1", zone, "10.3.0.1", 5353);
      expect(good).toEqual({ ok: true, ran: `dig @127.0.0.1 -p 5353 +short +time=2 +tries=2 ${zone} A`, saw: "10.3.0.1" });
      const wrong = await dig(ctx, "core1", "127.0.0.1", zone, "10.3.0.99", 5353);
      expect(wrong).toMatchObject({ ok: false, saw: "10.3.0.1" });
      const unknown = await dig(ctx, "core1", "127.0.0.1", "nothing.example.test", "10.3.0.1", 5353);
      expect(unknown).toMatchObject({ ok: false, saw: "no answer" });
    } finally {
      await lab(["exec", NAME, "core1", "--", "sh", "-c", "kill $(cat /run/kubelab-test-dnsmasq.pid)"], env);
    }
    const gone = await dig(ctx, "core1", "127.0.0.1", zone, "10.3.0.1", 5353);
    expect(gone.ok).toBe(false);
    expect(gone.saw).toMatch(/connection refused|timed out|no servers could be reached/);
  });

  it("heals itself: kubelet restarts a deleted kube-apiserver container and the checks go green again", async () => {
    const kill = await lab(["exec", NAME, "core1", "--", "sh", "-c", [
      'id=$(ctr -n k8s.io containers ls -q "labels.\\"io.kubernetes.container.name\\"==kube-apiserver" | head -n 1)',
      'test -n "$id"',
      'ctr -n k8s.io tasks kill -s SIGKILL "$id"',
      'for i in $(seq 30); do ctr -n k8s.io tasks ls | grep -q "^$id .*RUNNING" || break; sleep 0.1; done',
      'ctr -n k8s.io tasks delete "$id" >/dev/null 2>&1; ctr -n k8s.io containers delete "$id"',
      'echo "$id"',
    ].join("\n")], env);
    expect(kill.exitCode, kill.all).toBe(0);
    const deleted = kill.stdout.trim();
    const started = Date.now();
    const healthy = await lab(["exec", NAME, "core1", "--", "sh", "-c",
      "for i in $(seq 300); do curl -fs --max-time 1 --cacert /etc/kubernetes/pki/ca.crt https://127.0.0.1:6443/readyz >/dev/null && exit 0; sleep 0.2; done; exit 1"], env);
    expect(healthy.exitCode, "the API server came back").toBe(0);
    console.info(`  kube-apiserver back ${((Date.now() - started) / 1000).toFixed(1)}s after its container was deleted`);
    const now = await lab(["exec", NAME, "core1", "--", "ctr", "-n", "k8s.io", "containers", "ls", "-q", 'labels."io.kubernetes.container.name"==kube-apiserver'], env);
    expect(now.stdout.trim()).not.toBe("");
    expect(now.stdout).not.toContain(deleted);
    const verify = await lab(["verify", NAME, "--json"], env);
    expect(verify.exitCode, verify.all).toBe(0);
    const results = jsonLines(verify.stdout).filter((e) => e.type === "check").map((e) => e.result as CheckResult);
    expect(results.filter((x) => x.status === "fail")).toEqual([]);
  }, 120_000);

  it("changes nothing when brought up again unchanged: runs its checks only", async () => {
    const before = await labFingerprint(NAME, env);
    const stateBefore = JSON.parse(await readFile(join(stateDir(), "state.json"), "utf8")) as Record<string, unknown>;
    const started = Date.now();
    const again = await lab(["up", file, "--json"], env);
    const took = Date.now() - started;
    expect(again.exitCode, again.all).toBe(0);
    const events = jsonLines(again.stdout);
    expect(events[0]).toMatchObject({ type: "run-start", steps: [{ id: "checks" }] });
    const results = events.filter((e) => e.type === "check").map((e) => e.result as CheckResult);
    expect(results.filter((x) => x.status === "fail")).toEqual([]);
    expect(results.filter((x) => x.status === "pass").length).toBeGreaterThanOrEqual(7);
    // No certificate regenerated, no unit restarted, no static pod recreated; the record keeps
    // what the lab was made from (its node image, its binaries and their checksums).
    expect(await labFingerprint(NAME, env)).toEqual(before);
    const stateAfter = JSON.parse(await readFile(join(stateDir(), "state.json"), "utf8")) as Record<string, unknown>;
    expect({ ...stateAfter, updatedAt: "" }).toEqual({ ...stateBefore, updatedAt: "" });
    console.info(`  lab up ${NAME} again (up and unchanged): ${(took / 1000).toFixed(2)}s wall, CLI start included`);
    // The 3 s target is measured by the bench on a quiet machine. Here, beside other test files
    // and right after the test above restarted the API server, it took 2.9-4.5 s in CI runs and
    // 7.4 s once; the run-start above proves that no step ran, and this bound only keeps it far
    // below a run of every step.
    expect(took).toBeLessThan(10_000);
  }, 60_000);

  it("runs every step again when kubelab renders its nodes differently (an upgrade), keeping its certificates", async () => {
    const before = await labFingerprint(NAME, env);
    const stateFile = join(stateDir(), "state.json");
    const state = JSON.parse(await readFile(stateFile, "utf8")) as { rendered: string };
    expect(state.rendered).toMatch(/^[0-9a-f]{64}$/);
    // As recorded by a kubelab that rendered some flag, unit or manifest otherwise.
    await writeFile(stateFile, JSON.stringify({ ...state, rendered: "0".repeat(64) }));
    const again = await lab(["up", file, "--json"], env);
    expect(again.exitCode, again.all).toBe(0);
    const steps = (jsonLines(again.stdout)[0] as { steps: { id: string }[] }).steps.map((x) => x.id);
    expect(steps).toEqual(expect.arrayContaining(["pki", "files", "control-plane", "checks"]));
    // The files came out the same, so nothing was restarted: same certificates, units, pods.
    expect(await labFingerprint(NAME, env)).toEqual(before);
    expect((JSON.parse(await readFile(stateFile, "utf8")) as { rendered: string }).rendered).toBe(state.rendered);
  }, 120_000);

  it("restarts what runs on its node when a changed lab file changes the node's files", async () => {
    const before = await labFingerprint(NAME, env);
    const changed = join(dirname(file), `${NAME}-changed.yaml`);
    await writeFile(changed, (await readFile(file, "utf8")).replace("clusterDomain: cluster.local", "clusterDomain: lab.local"));
    const up = await lab(["up", changed, "--json"], env);
    expect(up.exitCode, up.all).toBe(0);
    const after = await labFingerprint(NAME, env);
    // kubelet reads its clusterDomain at start: it runs again, as do the node's other units and
    // its static pods (new containers).
    expect(after.units["core1/kubelet"]).not.toBe(before.units["core1/kubelet"]);
    expect(after.units["core1/etcd"]).not.toBe(before.units["core1/etcd"]);
    for (const p of ["core1/kube-apiserver", "core1/kube-controller-manager", "core1/kube-proxy", "core1/kubelet", "core1/etcd"]) {
      expect(after.processes[p], p).toBeDefined();
      expect(after.processes[p], p).not.toBe(before.processes[p]);
    }
    const config = await lab(["exec", NAME, "core1", "--", "grep", "clusterDomain", "/etc/kubernetes/kubelet-config.yaml"], env);
    expect(config.stdout).toContain("lab.local");
    // Back to the lab file it was: green again, with cluster.local.
    const back = await lab(["up", file, "--json"], env);
    expect(back.exitCode, back.all).toBe(0);
    expect((await lab(["exec", NAME, "core1", "--", "grep", "clusterDomain", "/etc/kubernetes/kubelet-config.yaml"], env)).stdout).toContain("cluster.local");
  }, 240_000);

  it("waits on one kubectl watch: ends at the first line that passes, leaves no kubectl behind, and says the last line when the watch ends", async () => {
    const kubectlIn = (args: string[]) => lab(["exec", NAME, "core1", "--", ...kubectlArgv(args)], env);
    const pod = "e2e-watched";
    expect((await kubectlIn(["run", pod, "--image", TOOLBOX_IMAGE, "--restart=Never", "--command", "--", "sleep", "300"])).exitCode).toBe(0);
    try {
      const started = Date.now();
      const running = await lab(["exec", NAME, "core1", "--", ...watchArgv(["pod", pod], "{{.status.phase}}", '[ "$line" = Running ]', 30)], env);
      expect(running.exitCode, running.all).toBe(0);
      expect(running.stdout.trim()).toBe("Running");
      expect(Date.now() - started).toBeLessThan(20_000);
      // The watch was ended, not left running (nor any kubectl of it).
      const left = await lab(["exec", NAME, "core1", "--", "sh", "-c", `pgrep -fa "get pod [${pod[0]}]${pod.slice(1)}" || true`], env);
      expect(left.stdout.trim()).toBe("");

      // A line that never comes: the watch ends after its seconds, with the last line seen.
      const timed = Date.now();
      const never = await lab(["exec", NAME, "core1", "--", ...watchArgv(["pod", pod], "{{.status.phase}}", '[ "$line" = Succeeded ]', 2)], env);
      expect(never.exitCode).toBe(1);
      expect(never.stdout.trim()).toBe("Running");
      expect(Date.now() - timed).toBeGreaterThanOrEqual(1_900);

      // kubectl's error is said, and never passes the test (not even one that passes any line).
      const missing = await lab(["exec", NAME, "core1", "--", ...watchArgv(["pod", "e2e-no-such-pod"], "{{.status.phase}}", "true", 5)], env);
      expect(missing.exitCode).toBe(1);
      expect(missing.stdout).toContain('pods "e2e-no-such-pod" not found');
    } finally {
      await kubectlIn(["delete", "pod", pod, "--wait=false"]);
    }
  }, 120_000);

  it("stops keeping its node, within Docker's stop timeout, and starts again with every check back green", async () => {
    const pkiBefore = (await labFingerprint(NAME, env)).pki;
    const stopping = Date.now();
    const stop = await lab(["stop", NAME], env);
    expect(stop.exitCode, stop.all).toBe(0);
    // The pods end before containerd stops (kubelab-pods.service), and the node well within
    // Docker's 10 s stop timeout: 10.7 s without that unit, 1.2-1.6 s with it.
    expect(Date.now() - stopping, "lab stop waited out Docker's stop timeout: something in the node outlived its shutdown").toBeLessThan(6_000);
    const status = await lab(["status", NAME, "--json"], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ phase: "stopped", nodeStatus: [{ name: "core1", state: "stopped" }] });
    const start = await lab(["start", NAME, "--json"], env);
    expect(start.exitCode, start.all).toBe(0);
    const events = jsonLines(start.stdout);
    expect(events.at(-1)).toMatchObject({ type: "run-end", status: "ok" });
    const results = events.filter((e) => e.type === "check").map((e) => e.result as CheckResult);
    expect(results.filter((x) => x.status === "fail")).toEqual([]);
    expect(results.filter((x) => x.status === "pass").length).toBeGreaterThanOrEqual(7);
    // It came back as the lab it was: its nodes started (no step rewrote anything), the same
    // certificates, the same file of record and node subnet.
    expect((events[0] as { steps: { id: string }[] }).steps.map((x) => x.id)).toEqual(["artifacts", "node-image", "nodes", "cluster", "check-pods", "checks"]);
    // The checks' pods were created while the cluster came back, and the checks took those runs
    // over (the run's suffix is in what each saw) rather than making their own.
    const ahead = events.find((e) => e.type === "log" && String(e.message).startsWith("started the pods of"));
    const runOf = (check: string): string => new RegExp(`${check} \\(run (\\w+)\\)`).exec(String(ahead?.message))?.[1] ?? "none";
    expect(results.find((x) => x.check === "pod-logs")?.saw).toBe(`kubelab pod on core1 says ${runOf("pod-logs")}`);
    expect(results.find((x) => x.check === "cluster-ip-service")?.saw).toContain(`kubelab service ${runOf("cluster-ip-service")}`);
    expect((await labFingerprint(NAME, env)).pki).toEqual(pkiBefore);
    const state = JSON.parse(await readFile(join(stateDir(), "state.json"), "utf8")) as { labFile: string; phase: string };
    expect(state).toMatchObject({ labFile: file, phase: "up" });
  }, 180_000);

  it("audits its nodes with verify --security, and names the file and the fix of what is left open", async () => {
    const security = (stdout: string): CheckResult[] =>
      jsonLines(stdout)
        .filter((e) => e.type === "check")
        .map((e) => e.result as CheckResult)
        .filter((r) => r.check.startsWith("security-"));
    const clean = await lab(["verify", NAME, "--security", "--json"], env);
    expect(clean.exitCode, clean.all).toBe(0);
    expect(security(clean.stdout).map((r) => [r.check, r.status])).toEqual([
      ["security-file-modes", "pass"],
      ["security-etcd-data-dir", "pass"],
      ["security-ca-keys", "pass"],
      ["security-apiserver-flags", "pass"],
      ["security-kubelet-auth", "pass"],
    ]);
    // Leave the CA key readable and the etcd data open, as a careless hand would.
    const open = await lab(["exec", NAME, "core1", "--", "sh", "-c", "chmod 644 /etc/kubernetes/pki/ca.key && chmod 755 /var/lib/etcd"], env);
    expect(open.exitCode, open.all).toBe(0);
    try {
      const r = await lab(["verify", NAME, "--security", "--json"], env);
      expect(r.exitCode).toBe(1);
      const failed = security(r.stdout).filter((x) => x.status === "fail");
      expect(failed.map((x) => [x.check, x.saw, x.hint])).toEqual([
        ["security-file-modes", "/etc/kubernetes/pki/ca.key is mode 644", "chmod 600 /etc/kubernetes/pki/ca.key"],
        ["security-etcd-data-dir", "/var/lib/etcd is mode 755", "chmod 700 /var/lib/etcd"],
      ]);
    } finally {
      await lab(["exec", NAME, "core1", "--", "sh", "-c", "chmod 600 /etc/kubernetes/pki/ca.key && chmod 700 /var/lib/etcd"], env);
    }
  }, 60_000);

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
