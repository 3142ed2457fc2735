/**
 * End to end, fault drills and the diagnoses of failed checks against the real Docker engine: each
 * drill breaks a real lab, `lab verify` shows the failures it causes (and says a drill is in
 * effect) and names the known cause it finds with the file or flag to fix, `lab heal` puts it right
 * and the checks are green again (after a drill that cut the API's clients off it, with every one
 * of them restarted). On coreos-single: an etcd member, the controller, kube-proxy
 * (stopped, and without its config), the API server's certificate (expired, not valid yet, missing
 * a SAN), a kubelet certificate for another node, a node without its pod CIDR, a cluster DNS
 * address outside the service range. On a pair of nodes that are both etcd members (VXLAN): a node
 * cut off the network (proven by ping between the nodes; a full verify of a cut-off node waits out
 * every check's limit), a missing route and FDB entry, an etcd peer certificate from a foreign CA.
 * Bad input (a drill that does not exist or does not apply, a node the lab has not, the same drill
 * twice) is refused with exit code 2.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CheckResult, Diagnosis } from "../../src/pipeline/events.js";
import { e2eSkipReason, importTestArtifacts, isolatedEnv, jsonLines, lab, labelled, labFileCopy, type CliResult } from "./support.js";
import { scratchDir } from "../scratch-dir.js";

const skip = await e2eSkipReason("fault drills");

function checks(r: CliResult): CheckResult[] {
  return jsonLines(r.stdout).filter((e) => e.type === "check").map((e) => e.result as CheckResult);
}

function diagnoses(r: CliResult): Diagnosis[] {
  return jsonLines(r.stdout).filter((e) => e.type === "diagnosis").map((e) => e.diagnosis as Diagnosis);
}

/** The one diagnosis `lab verify` gave, which must be of `cause`. */
function onlyDiagnosis(r: CliResult, cause: string): Diagnosis {
  const found = diagnoses(r);
  expect(found.map((d) => d.diagnosis), r.stdout).toEqual([cause]);
  return found[0]!;
}

function failed(r: CliResult): string[] {
  return [...new Set(checks(r).filter((c) => c.status === "fail").map((c) => c.check))].sort();
}

/** Brings the lab of `file` up; it must go green. */
async function upGreen(file: string, env: NodeJS.ProcessEnv): Promise<void> {
  const up = await lab(["up", file, "--json"], env);
  expect(up.exitCode, up.all).toBe(0);
}

/** Removes lab `name`; nothing labelled for it may remain. */
async function downLeavesNothing(name: string, env: NodeJS.ProcessEnv): Promise<void> {
  await lab(["down", name], env);
  expect(await labelled(name)).toEqual({ containers: [], networks: [], volumes: [] });
}

/**
 * The drills that cut the API's clients off it (or etcd off the API). Their watches then back off
 * (client-go: up to 30 s plus as much again at random, growing over drills in a row), so heal
 * restarts every client: without that, a kubelet took over a minute to see a new pod in CI.
 */
const CUTS_OFF_API = new Set(["etcd-member", "controller", "node-network", "expired-cert", "clock-skew", "missing-san", "etcd-peer-tls"]);

/** The API's clients (process names, as ps shows them) on a node that runs the control plane and pods, and on one that runs pods only. */
const CONTROLLER_CLIENTS = ["kube-controller", "kube-proxy", "kube-scheduler", "kubelet"];
const WORKER_CLIENTS = ["kube-proxy", "kubelet"];

/** Each node of `clients` runs exactly its clients of the API, every one started after `healStarted` (ms). */
async function expectClientsRestarted(name: string, env: NodeJS.ProcessEnv, clients: Record<string, readonly string[]>, healStarted: number): Promise<void> {
  for (const [node, expected] of Object.entries(clients)) {
    const ps = await lab(["exec", name, node, "--", "ps", "-o", "etimes=,comm=", "-C", CONTROLLER_CLIENTS.join(",")], env);
    const elapsed = (Date.now() - healStarted) / 1000;
    const ages = ps.stdout.trim().split("\n").map((l) => l.trim().split(/\s+/));
    expect(ages.map(([, comm]) => comm).sort(), ps.all).toEqual(expected);
    for (const [age, comm] of ages) expect(Number(age), `${comm} on ${node}: ${ps.stdout}`).toBeLessThanOrEqual(Math.ceil(elapsed));
  }
}

/**
 * Breaks `name` with `drill`, returns what lab verify then shows, heals it and expects green (and,
 * after a drill that cut clients off the API, every one of `clients` restarted).
 */
async function drill(name: string, env: NodeJS.ProcessEnv, args: string[], clients: Record<string, readonly string[]> = { core1: CONTROLLER_CLIENTS }): Promise<CliResult> {
  const broke = await lab(["break", name, ...args], env);
  expect(broke.exitCode, broke.all).toBe(0);
  expect(broke.stdout).toContain(`undo it: lab heal ${name}`);
  const verify = await lab(["verify", name, "--json"], env);
  expect(verify.exitCode, verify.all).toBe(1);
  const warn = jsonLines(verify.stdout).find((e) => e.type === "log" && e.level === "warn");
  expect(String(warn?.message)).toContain(`drills in effect (lab break): ${args[0]} on `);
  const healStarted = Date.now();
  const healed = await lab(["heal", name], env);
  expect(healed.exitCode, healed.all).toBe(0);
  expect(healed.stdout).toContain(`healed lab ${name}: ${args[0]} on `);
  if (CUTS_OFF_API.has(args[0]!)) await expectClientsRestarted(name, env, clients, healStarted);
  const green = await lab(["verify", name, "--json"], env);
  expect(failed(green), green.stdout).toEqual([]);
  expect(diagnoses(green)).toEqual([]);
  return verify;
}

describe.skipIf(skip)("fault drills", () => {
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    env = await isolatedEnv();
    await importTestArtifacts(env);
  }, 60_000);

  describe("on coreos-single", () => {
    const NAME = "e2e-drills";

    beforeAll(async () => upGreen(await labFileCopy("coreos-single", NAME), env), 240_000);

    afterAll(() => downLeavesNothing(NAME, env), 60_000);

    it("etcd-member: etcd's health check fails, and with the only member gone the API's checks too; a second break is refused", async () => {
      const verify = await drill(NAME, env, ["etcd-member"]);
      expect(failed(verify)).toEqual(expect.arrayContaining(["etcd-health", "etcd-version"]));
      // A stopped component is no known cause of a wrong file or flag: nothing is diagnosed.
      expect(diagnoses(verify)).toEqual([]);
      // The API server without etcd holds each request for a minute, and verify took two minutes;
      // kubelab's kubectl gives up after 20 s (checks that ask in turn take a few times that).
      const end = jsonLines(verify.stdout).find((e) => e.type === "run-end") as { durationMs: number };
      expect(end.durationMs).toBeLessThan(80_000);
    }, 240_000);

    it("controller: the API server does not answer; etcd still does", async () => {
      const verify = await drill(NAME, env, ["controller"]);
      expect(failed(verify)).toEqual(expect.arrayContaining(["apiserver-health", "component-statuses", "nodes-ready"]));
      expect(checks(verify).find((c) => c.check === "etcd-health")?.status).toBe("pass");
      expect(diagnoses(verify)).toEqual([]);
    }, 240_000);

    it("kube-proxy: a new Service does not answer, pods still run; diagnosed as not running, then as without its config", async () => {
      expect((await lab(["break", NAME, "kube-proxy", "--node", "core1"], env)).exitCode).toBe(0);
      const stopped = await lab(["verify", NAME, "--json"], env);
      expect(failed(stopped)).toEqual(["cluster-ip-service"]);
      expect(checks(stopped).find((c) => c.check === "pod-logs")?.status).toBe("pass");
      const notRunning = onlyDiagnosis(stopped, "kube-proxy");
      expect(notRunning.node).toBe("core1");
      expect(notRunning.found).toContain("kube-proxy is not running on core1: its static pod manifest /etc/kubernetes/manifests/kube-proxy.yaml is missing");
      expect(notRunning.fix).toContain("/etc/kubernetes/manifests-staged/kube-proxy.yaml");
      // Its configuration gone too: named as well, and kubelet would not start it again without it.
      const config = "/etc/kubernetes/kube-proxy-config.yaml";
      expect((await lab(["exec", NAME, "core1", "--", "mv", config, "/root/kube-proxy-config.yaml"], env)).exitCode).toBe(0);
      const noConfig = onlyDiagnosis(await lab(["verify", NAME, "--json"], env), "kube-proxy");
      expect(noConfig.found).toContain(`its configuration ${config} (--config) is missing`);
      expect(noConfig.fix).toContain(`put back ${config}`);
      expect((await lab(["exec", NAME, "core1", "--", "mv", "/root/kube-proxy-config.yaml", config], env)).exitCode).toBe(0);
      expect((await lab(["heal", NAME], env)).exitCode).toBe(0);
      const green = await lab(["verify", NAME, "--json"], env);
      expect(failed(green), green.stdout).toEqual([]);
    }, 240_000);

    it("expired-cert: every client refuses the API server's certificate as expired; diagnosed with its date against the node's clock", async () => {
      const verify = await drill(NAME, env, ["expired-cert"]);
      expect(failed(verify)).toEqual(expect.arrayContaining(["apiserver-health", "cluster-info", "nodes-ready"]));
      expect(checks(verify).find((c) => c.check === "nodes-ready")?.saw).toMatch(/x509: certificate has expired/);
      const expired = onlyDiagnosis(verify, "clock-skew");
      expect(expired.node).toBe("core1");
      expect(expired.found).toMatch(/^\/etc\/kubernetes\/pki\/kube-apiserver\.crt expired \S+, 24 h before core1's clock/);
    }, 240_000);

    it("clock-skew: a certificate issued a day ahead is not valid yet; diagnosed as clock skew, with the file and both times", async () => {
      const verify = await drill(NAME, env, ["clock-skew"]);
      expect(failed(verify)).toEqual(expect.arrayContaining(["apiserver-health", "cluster-info", "nodes-ready"]));
      expect(checks(verify).find((c) => c.check === "nodes-ready")?.saw).toMatch(/x509: certificate has expired or is not yet valid: current time \S+ is before/);
      const skew = onlyDiagnosis(verify, "clock-skew");
      expect(skew.found).toMatch(/^\/etc\/kubernetes\/pki\/kube-apiserver\.crt is not valid until \S+, 24 h later than core1's clock \(\S+\): the clock of the machine that issued it runs ahead/);
      expect(skew.fix).toContain("set core1's clock right");
    }, 240_000);

    it("missing-san: every kubeconfig's client refuses the API server's certificate; diagnosed as the SAN they dial missing", async () => {
      const verify = await drill(NAME, env, ["missing-san"]);
      expect(failed(verify)).toEqual(expect.arrayContaining(["cluster-info", "nodes-ready", "component-statuses"]));
      // The health check dials 127.0.0.1, which the certificate still has.
      expect(checks(verify).find((c) => c.check === "apiserver-health")?.status).toBe("pass");
      const san = onlyDiagnosis(verify, "apiserver-san");
      expect(san.node).toBe("core1");
      expect(san.found).toMatch(/^\/etc\/kubernetes\/pki\/kube-apiserver\.crt has no SAN for (\S+), which every kubeconfig \(kubectl, kubelet, kube-proxy\) uses \(https:\/\/\1:6443\); its IP SANs: 10\.3\.0\.1, 127\.0\.0\.1$/);
      expect(san.fix).toMatch(/^reissue \/etc\/kubernetes\/pki\/kube-apiserver\.crt with IP:\S+ in its subjectAltName/);
    }, 240_000);

    it("kubelet-cn: a kubelet with another node's certificate cannot run new pods; diagnosed with the CN it has and the one it needs", async () => {
      const verify = await drill(NAME, env, ["kubelet-cn"]);
      expect(failed(verify)).toEqual(expect.arrayContaining(["pod-logs", "cluster-ip-service"]));
      const cn = onlyDiagnosis(verify, "kubelet-cn");
      expect(cn.node).toBe("core1");
      expect(cn.found).toContain("kubelet on core1 authenticates as CN=system:node:not-core1, O=system:nodes (/etc/kubernetes/kubelet.kubeconfig, client-certificate-data), not as system:node:core1");
      expect(cn.fix).toContain("CN=system:node:core1 and O=system:nodes in /etc/kubernetes/kubelet.kubeconfig");
    }, 240_000);

    it("no-pod-cidr: a node registered again is Ready without its pod CIDR; nodes-ready fails and the diagnosis gives the patch", async () => {
      const verify = await drill(NAME, env, ["no-pod-cidr"]);
      expect(failed(verify)).toContain("nodes-ready");
      expect(checks(verify).find((c) => c.check === "nodes-ready")?.saw).toBe("Ready, but its pod CIDR is missing");
      const cidr = onlyDiagnosis(verify, "pod-cidr");
      expect(cidr.found).toBe("node core1 has no pod CIDR (spec.podCIDR is empty); its pods get addresses from 10.2.0.0/24");
      expect(cidr.fix).toContain(`kubectl patch node core1 --type=merge '--patch={"spec":{"podCIDR":"10.2.0.0/24","podCIDRs":["10.2.0.0/24"]}}'`);
    }, 240_000);

    it("dns-ip: kubelet gives pods a DNS server outside the service range; diagnosed with clusterDNS and the range", async () => {
      const verify = await drill(NAME, env, ["dns-ip"]);
      expect(failed(verify)).toEqual(["dns"]);
      expect(checks(verify).find((c) => c.check === "dns" && c.status === "fail")?.saw).toBe("kubelet gives pods the DNS server 10.3.1.9");
      const dns = onlyDiagnosis(verify, "dns-service-ip");
      expect(dns.found).toBe(
        "kubelet on core1 gives pods the DNS server 10.3.1.9 (clusterDNS in /etc/kubernetes/kubelet-config.yaml), outside the service range 10.3.0.0/24 (kube-apiserver --service-cluster-ip-range): no Service can answer there",
      );
      expect(dns.fix).toContain("set clusterDNS: [10.3.0.10] in /etc/kubernetes/kubelet-config.yaml on core1 and restart kubelet");
    }, 240_000);

    it("refuses a drill that does not exist, one that does not apply, a node it has not, and the same drill twice", async () => {
      const unknown = await lab(["break", NAME, "unplug"], env);
      expect(unknown.exitCode).toBe(2);
      expect(unknown.stderr).toContain("there is no drill unplug");
      expect(unknown.stderr).toContain("etcd-member, controller, node-network, kube-proxy, expired-cert, clock-skew, missing-san, kubelet-cn, no-pod-cidr, missing-route, etcd-peer-tls, dns-ip");
      const single = await lab(["break", NAME, "node-network"], env);
      expect(single.exitCode).toBe(2);
      expect(single.stderr).toContain("the lab has one node");
      const node = await lab(["break", NAME, "kube-proxy", "--node", "core9"], env);
      expect(node.exitCode).toBe(2);
      expect(node.stderr).toContain(`lab ${NAME} has no node core9`);
      expect((await lab(["break", NAME, "kube-proxy"], env)).exitCode).toBe(0);
      const twice = await lab(["break", NAME, "kube-proxy"], env);
      expect(twice.exitCode).toBe(2);
      expect(twice.stderr).toContain("kube-proxy is already in effect on core1");
      expect((await lab(["heal", NAME], env)).exitCode).toBe(0);
      const none = await lab(["heal", NAME], env);
      expect(none.stdout).toContain("has no drill in effect: nothing to heal");
    }, 240_000);
  });

  describe("on two nodes, both etcd members (VXLAN)", () => {
    const NAME = "e2e-drills-pair";
    const PAIR_CLIENTS = { m1: CONTROLLER_CLIENTS, n1: WORKER_CLIENTS };

    beforeAll(async () => {
      const dir = await scratchDir("kubelab-lab-");
      const file = join(dir, `${NAME}.yaml`);
      await writeFile(
        file,
        [
          `name: ${NAME}`,
          "kubernetesVersion: v1.20.2",
          "artifacts: { etcdVersion: v3.4.23, cniVersion: v1.1.1 }",
          "network: { overlay: vxlan }",
          "nodes:",
          "  - { name: m1, roles: [etcd, controlplane, worker] }",
          "  - { name: n1, roles: [etcd, worker] }",
          "checks: [etcd-health, etcd-members, apiserver-health, nodes-ready, node-ping, pod-ping, cluster-ip-service]",
          "",
        ].join("\n"),
      );
      await upGreen(file, env);
    }, 240_000);

    afterAll(() => downLeavesNothing(NAME, env), 60_000);

    it("node-network: the node cut off answers no ping from the other, then does again once healed, every client of the API restarted", async () => {
      const ping = (): Promise<CliResult> => lab(["exec", NAME, "m1", "--", "ping", "-c", "1", "-W", "1", "n1"], env);
      expect((await ping()).exitCode).toBe(0);
      const broke = await lab(["break", NAME, "node-network"], env);
      expect(broke.exitCode, broke.all).toBe(0);
      expect(broke.stdout).toContain("(node-network on n1)");
      expect((await ping()).exitCode).not.toBe(0);
      const healStarted = Date.now();
      const healed = await lab(["heal", NAME], env);
      expect(healed.exitCode, healed.all).toBe(0);
      expect((await ping()).exitCode).toBe(0);
      await expectClientsRestarted(NAME, env, PAIR_CLIENTS, healStarted);
    }, 240_000);

    it("missing-route: pods on the two nodes cannot reach each other; diagnosed as the route and forwarding entry missing on that node", async () => {
      const verify = await drill(NAME, env, ["missing-route"]);
      expect(failed(verify)).toContain("pod-ping");
      const route = onlyDiagnosis(verify, "overlay-routes");
      expect(route.node).toBe("n1");
      expect(route.found).toMatch(/^n1 cannot send to m1's pods: no route to 10\.244\.0\.0\/24 through flannel\.1; no forwarding entry for m1's VTEP 02:00:\S+ \(dst \S+\) on flannel\.1$/);
      expect(route.fix).toContain("/etc/kubelab/network.sh on n1 sets them up: systemctl restart kubelab-network");
    }, 240_000);

    it("etcd-peer-tls: the members refuse each other and quorum is lost; diagnosed as the peer certificate from another CA", async () => {
      const verify = await drill(NAME, env, ["etcd-peer-tls"], PAIR_CLIENTS);
      expect(failed(verify)).toEqual(expect.arrayContaining(["etcd-health", "nodes-ready"]));
      const peer = onlyDiagnosis(verify, "etcd-peer-tls");
      expect(peer.node).toBe("n1");
      expect(peer.found).toContain(
        "etcd on n1 fails peer TLS with the other members: its peer certificate /etc/kubernetes/pki/etcd-peer-n1.crt (--peer-cert-file) is wrong: it is not issued by the CA m1 trusts (/etc/kubernetes/pki/etcd-ca.crt, --peer-trusted-ca-file); its issuer: CN=kubelab drill: not the etcd CA",
      );
      expect(peer.found).toMatch(/saw: curl: \(60\) SSL certificate problem/);
      expect(peer.fix).toContain("reissue /etc/kubernetes/pki/etcd-peer-n1.crt from the etcd CA (/etc/kubernetes/pki/etcd-ca.crt)");
    }, 300_000);
  });
});
