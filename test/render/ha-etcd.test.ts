/**
 * What labs/ha-etcd.yaml renders, written out here rather than taken from the renderers: the API
 * servers behind the load balancer (--apiserver-count, the shared `kubernetes` certificate, etcd
 * trusted through the one CA), etcd members serving and peering with that certificate, and every
 * kubelet, kube-proxy and admin kubeconfig pointing at the load balancer. Also, for every lab
 * rendered: each certificate, key or kubeconfig a unit names reaches the node that runs the unit.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseLab } from "../../src/config/load-lab.js";
import { planLab, type Plan } from "../../src/plan/plan.js";
import { etcdctlFlags } from "../../src/render/etcd.js";
import { renderFlag } from "../../src/render/flags.js";
import { haproxyConfig } from "../../src/render/haproxy.js";
import { KUBE_DIR, PKI_DIR, UNIT_DIR, kubeconfigPath } from "../../src/render/node-layout.js";
import type { NodeFile } from "../../src/providers/provider.js";
import { deployedArgs, fakeNodeFiles, fileAt, renderCase, renderCases, text, unitFiles, execStart } from "./lab-fixtures.js";

const { plan } = renderCase("ha-etcd-v1.20.2");
const LB = "https://172.30.0.10:6443";
const pki = (file: string): string => `${PKI_DIR}/${file}`;

/** A node's files by name. */
function filesOf(p: Plan, name: string): NodeFile[] {
  const node = p.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node ${name}`);
  return fakeNodeFiles(p, node);
}

/** `--name=value` arguments as a map (a bare `--name` maps to "true"); throws on a repeated flag. */
function flagMap(args: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const arg of args) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`not a flag: ${arg}`);
    if (flags.has(m[1]!)) throw new Error(`--${m[1]} given twice`);
    flags.set(m[1]!, m[2] ?? "true");
  }
  return flags;
}

/** The server a kubeconfig of a node points at, read as YAML. */
function serverOf(files: readonly NodeFile[], name: string): string {
  const config = parse(text(fileAt(files, kubeconfigPath(name)))) as { clusters: Array<{ cluster: { server: string } }> };
  expect(config.clusters).toHaveLength(1);
  return config.clusters[0]!.cluster.server;
}

describe("labs/ha-etcd.yaml rendered (node subnet 172.30.0.0/24)", () => {
  it("puts the API endpoint at the load balancer, with the two controllers behind it", () => {
    expect(plan.api.endpoint).toBe(LB);
    expect(plan.api.loadBalancer?.name).toBe("lb");
    expect(plan.api.servers.map((s) => `${s.name} ${s.ip}`)).toEqual(["controller1 172.30.0.13", "controller2 172.30.0.14"]);
    expect(plan.pkiStyle).toBe("shared");
  });

  it.each(["controller1", "controller2"])("%s: kube-apiserver serves the shared certificate and reaches etcd with it, --apiserver-count=2", (name) => {
    const node = plan.nodes.find((n) => n.name === name)!;
    const flags = flagMap(deployedArgs(filesOf(plan, name), "kube-apiserver"));
    expect(Object.fromEntries([...flags].filter(([flag]) => /^(advertise-address|apiserver-count|client-ca-file|tls-|etcd-|kubelet-client|kubelet-certificate)/.test(flag)))).toEqual({
      "advertise-address": node.ip,
      "apiserver-count": "2",
      "client-ca-file": pki("ca.crt"),
      "tls-cert-file": pki("kubernetes.crt"),
      "tls-private-key-file": pki("kubernetes.key"),
      "etcd-servers": "https://172.30.0.11:2379,https://172.30.0.12:2379",
      "etcd-cafile": pki("ca.crt"),
      "etcd-certfile": pki("kubernetes.crt"),
      "etcd-keyfile": pki("kubernetes.key"),
      "kubelet-certificate-authority": pki("ca.crt"),
      "kubelet-client-certificate": pki("apiserver-kubelet-client.crt"),
      "kubelet-client-key": pki("apiserver-kubelet-client.key"),
    });
    // Nothing of the per-component layout is left.
    expect([...flags.values()].filter((v) => /etcd-ca|kube-apiserver\.(crt|key)|apiserver-etcd-client/.test(v))).toEqual([]);
  });

  it.each(["controller1", "controller2"])("%s: the controller manager and the scheduler elect a leader, and talk to their own API server", (name) => {
    const files = filesOf(plan, name);
    for (const component of ["kube-controller-manager", "kube-scheduler"]) {
      expect(flagMap(deployedArgs(files, component)).get("leader-elect"), component).toBe("true");
      expect(serverOf(files, component), component).toBe("https://127.0.0.1:6443");
    }
    expect(serverOf(files, "admin")).toBe(LB);
  });

  it.each([
    ["etcd1", "172.30.0.11"],
    ["etcd2", "172.30.0.12"],
  ])("%s: etcd serves and peers with the shared certificate and trusts ca.crt for clients and peers", (name, ip) => {
    const flags = flagMap(deployedArgs(filesOf(plan, name), "etcd"));
    expect(Object.fromEntries([...flags].filter(([flag]) => /(ca|cert|key)-file|cert-auth|client-urls|peer-urls|initial-cluster$|^name$/.test(flag)))).toEqual({
      name,
      "listen-client-urls": `https://${ip}:2379,https://127.0.0.1:2379`,
      "advertise-client-urls": `https://${ip}:2379`,
      "listen-peer-urls": `https://${ip}:2380`,
      "initial-advertise-peer-urls": `https://${ip}:2380`,
      "initial-cluster": "etcd1=https://172.30.0.11:2380,etcd2=https://172.30.0.12:2380",
      "client-cert-auth": "true",
      "trusted-ca-file": pki("ca.crt"),
      "cert-file": pki("kubernetes.crt"),
      "key-file": pki("kubernetes.key"),
      "peer-client-cert-auth": "true",
      "peer-trusted-ca-file": pki("ca.crt"),
      "peer-cert-file": pki("kubernetes.crt"),
      "peer-key-file": pki("kubernetes.key"),
    });
  });

  it("etcdctl (the checks' and the pipeline's) trusts ca.crt and authenticates as the health check client", () => {
    expect(etcdctlFlags(plan).map(renderFlag)).toEqual([
      "--endpoints=https://172.30.0.11:2379,https://172.30.0.12:2379",
      `--cacert=${pki("ca.crt")}`,
      `--cert=${pki("etcd-healthcheck-client.crt")}`,
      `--key=${pki("etcd-healthcheck-client.key")}`,
    ]);
  });

  it.each(["worker1", "worker2"])("%s: kubelet and kube-proxy reach the API through the load balancer", (name) => {
    const files = filesOf(plan, name);
    expect(serverOf(files, "kubelet")).toBe(LB);
    expect(serverOf(files, "kube-proxy")).toBe(LB);
  });

  it("runs each component only where its role is: HAProxy alone on lb, etcd alone on etcd1/2, no kubelet off the workers", () => {
    const units = (name: string) =>
      unitFiles(filesOf(plan, name))
        .map((u) => u.path.slice(UNIT_DIR.length + 1))
        .sort();
    expect(Object.fromEntries(plan.nodes.map((n) => [n.name, units(n.name)]))).toEqual({
      lb: ["kubelab-hosts.service"],
      etcd1: ["etcd.service", "kubelab-hosts.service"],
      etcd2: ["etcd.service", "kubelab-hosts.service"],
      controller1: ["kube-apiserver.service", "kube-controller-manager.service", "kube-scheduler.service", "kubelab-hosts.service"],
      controller2: ["kube-apiserver.service", "kube-controller-manager.service", "kube-scheduler.service", "kubelab-hosts.service"],
      worker1: ["kube-proxy.service", "kubelab-hosts.service", "kubelab-network.service", "kubelab-pods.service", "kubelet.service"],
      worker2: ["kube-proxy.service", "kubelab-hosts.service", "kubelab-network.service", "kubelab-pods.service", "kubelet.service"],
    });
  });

  it("gives no node a file of the per-component layout", () => {
    for (const node of plan.nodes) {
      const paths = fakeNodeFiles(plan, node).map((f) => f.path);
      expect(paths.filter((p) => /\/(etcd-ca|kube-apiserver|apiserver-etcd-client|etcd-server-.*|etcd-peer-.*)\.(crt|key)$/.test(p)), node.name).toEqual([]);
    }
  });

  describe("scaled (--scale etcd=3 --scale controller=3)", () => {
    const file = fileURLToPath(new URL("../../labs/ha-etcd.yaml", import.meta.url));
    const { lab } = parseLab(readFileSync(file, "utf8"), file, { scale: { etcd: 3, controller: 3 } });
    const scaled = planLab({ ...lab, network: { ...lab.network, nodeSubnet: "172.30.0.0/24" } });

    it("counts three API servers and lists three etcd members", () => {
      const flags = flagMap(deployedArgs(filesOf(scaled, "controller3"), "kube-apiserver"));
      expect(flags.get("apiserver-count")).toBe("3");
      expect(flags.get("etcd-servers")).toBe("https://172.30.0.11:2379,https://172.30.0.12:2379,https://172.30.0.13:2379");
      expect(flags.get("advertise-address")).toBe("172.30.0.16");
    });

    it("balances the three, the load balancer still first", () => {
      expect(scaled.api.endpoint).toBe(LB);
      expect(haproxyConfig(scaled).split("\n").filter((l) => l.trim().startsWith("server "))).toEqual([
        "  server controller1 172.30.0.14:6443",
        "  server controller2 172.30.0.15:6443",
        "  server controller3 172.30.0.16:6443",
      ]);
    });
  });
});

describe("every lab rendered: the PKI files and kubeconfigs a unit names reach its node", () => {
  const cases = renderCases().flatMap(({ id, plan: p }) => p.nodes.map((node) => ({ id, name: node.name, files: fakeNodeFiles(p, node) })));

  it.each(cases)("$id / $name", ({ files }) => {
    const paths = new Set(files.map((f) => f.path));
    const named = unitFiles(files).flatMap((u) =>
      execStart(text(u)).args.flatMap((arg) => {
        const value = /^--[a-z0-9-]+=(.*)$/.exec(arg)?.[1] ?? "";
        return value.split(",").filter((v) => v.startsWith(`${KUBE_DIR}/`) && /\.(crt|key|pub|kubeconfig)$/.test(v));
      }),
    );
    expect(named.filter((path) => !paths.has(path))).toEqual([]);
  });
});
