import { describe, expect, it } from "vitest";
import type { LabNode } from "../../src/config/lab-schema.js";
import { planLab, type ResolvedLab } from "../../src/plan/plan.js";
import {
  certificateParts,
  certificateSpecs,
  pkiSpecs,
  SERVICE_ACCOUNT_KEY_PAIR,
  type CertificateSpec,
} from "../../src/pki/certificate-specs.js";

function lab(nodes: LabNode[], controlPlane: "systemd" | "static-pods" = "systemd"): ResolvedLab {
  return {
    name: "specs",
    provider: "docker",
    kubernetesVersion: "v1.20.2",
    controlPlane,
    artifacts: {},
    pki: { style: "per-component", keyAlgorithm: "rsa" },
    security: { kubeletBootstrap: "certificate", encryptionAtRest: "none", apiAnonymousAuth: true },
    network: {
      nodeSubnet: "172.30.0.0/24",
      podCidr: "10.200.0.0/16",
      podSubnetPrefix: 24,
      serviceCidr: "10.32.0.0/24",
      clusterDomain: "lab.internal",
      overlay: "routes",
    },
    nodes,
    addons: [],
  } as ResolvedLab;
}

function byName(specs: CertificateSpec[]): Map<string, CertificateSpec> {
  return new Map(specs.map((s) => [s.name, s]));
}

describe("certificateSpecs", () => {
  const single = planLab(lab([{ name: "node1", roles: ["etcd", "controlplane", "worker"] }]));

  it("lists every certificate of a single-node lab, CAs first", () => {
    expect(certificateSpecs(single).map((s) => s.name)).toEqual([
      "ca",
      "etcd-ca",
      "front-proxy-ca",
      "kube-apiserver",
      "apiserver-etcd-client",
      "etcd-server-node1",
      "etcd-peer-node1",
      "apiserver-kubelet-client",
      "admin",
      "kube-controller-manager",
      "kube-scheduler",
      "kube-proxy",
      "kubelet-node1",
      "etcd-healthcheck-client",
      "front-proxy-client",
    ]);
  });

  it("makes the three CAs self-signed CAs with no usages or SANs", () => {
    const specs = byName(certificateSpecs(single));
    for (const [name, cn] of [
      ["ca", "kubernetes-ca"],
      ["etcd-ca", "etcd-ca"],
      ["front-proxy-ca", "front-proxy-ca"],
    ] as const) {
      expect(specs.get(name)).toEqual({
        kind: "certificate",
        name,
        issuer: "self",
        commonName: cn,
        dnsNames: [],
        ipAddresses: [],
        usage: [],
        isCA: true,
      });
    }
  });

  it("gives the API server every name and address it is reached by", () => {
    const apiserver = byName(certificateSpecs(single)).get("kube-apiserver")!;
    expect(apiserver.issuer).toBe("ca");
    expect(apiserver.usage).toEqual(["server"]);
    expect(apiserver.dnsNames).toEqual([
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      "kubernetes.default.svc.lab.internal",
      "node1",
      "localhost",
    ]);
    // plan.api.address is node1's address: listed once.
    expect(apiserver.ipAddresses).toEqual(["10.32.0.1", "172.30.0.10", "127.0.0.1"]);
  });

  it("gives the client certificates the subjects RBAC expects", () => {
    const specs = byName(certificateSpecs(single));
    const subject = (name: string) => {
      const s = specs.get(name)!;
      return { issuer: s.issuer, cn: s.commonName, o: s.organization, usage: s.usage, sans: [...s.dnsNames, ...s.ipAddresses] };
    };
    expect(subject("apiserver-kubelet-client")).toEqual({ issuer: "ca", cn: "kube-apiserver-kubelet-client", o: ["system:masters"], usage: ["client"], sans: [] });
    expect(subject("apiserver-etcd-client")).toEqual({ issuer: "etcd-ca", cn: "kube-apiserver-etcd-client", o: undefined, usage: ["client"], sans: [] });
    expect(subject("admin")).toEqual({ issuer: "ca", cn: "admin", o: ["system:masters"], usage: ["client"], sans: [] });
    expect(subject("kube-controller-manager")).toEqual({ issuer: "ca", cn: "system:kube-controller-manager", o: undefined, usage: ["client"], sans: [] });
    expect(subject("kube-scheduler")).toEqual({ issuer: "ca", cn: "system:kube-scheduler", o: undefined, usage: ["client"], sans: [] });
    expect(subject("kube-proxy")).toEqual({ issuer: "ca", cn: "system:kube-proxy", o: ["system:node-proxier"], usage: ["client"], sans: [] });
    expect(subject("etcd-healthcheck-client")).toEqual({ issuer: "etcd-ca", cn: "kube-etcd-healthcheck-client", o: undefined, usage: ["client"], sans: [] });
    expect(subject("front-proxy-client")).toEqual({ issuer: "front-proxy-ca", cn: "front-proxy-client", o: undefined, usage: ["client"], sans: [] });
  });

  it("gives kubelets and etcd members server+client certificates for their node", () => {
    const specs = byName(certificateSpecs(single));
    expect(specs.get("kubelet-node1")).toMatchObject({
      issuer: "ca",
      commonName: "system:node:node1",
      organization: ["system:nodes"],
      dnsNames: ["node1"],
      ipAddresses: ["172.30.0.10"],
      usage: ["server", "client"],
    });
    for (const name of ["etcd-server-node1", "etcd-peer-node1"]) {
      expect(specs.get(name)).toMatchObject({
        issuer: "etcd-ca",
        dnsNames: ["node1", "localhost"],
        ipAddresses: ["172.30.0.10", "127.0.0.1"],
        usage: ["server", "client"],
      });
    }
  });

  it("covers every control plane node, kubelet node and etcd member of a multi-node lab", () => {
    const plan = planLab(
      lab([
        { name: "ctl-1", roles: ["etcd", "controlplane"] },
        { name: "ctl-2", roles: ["controlplane"] },
        { name: "db-1", roles: ["etcd"] },
        { name: "w-1", roles: ["worker"], ip: "172.30.0.50" },
      ]),
    );
    const specs = byName(certificateSpecs(plan));
    expect([...specs.keys()].filter((n) => /^(kubelet|etcd-server|etcd-peer)-/.test(n))).toEqual([
      "etcd-server-ctl-1",
      "etcd-peer-ctl-1",
      "etcd-server-db-1",
      "etcd-peer-db-1",
      "kubelet-w-1",
    ]);
    const apiserver = specs.get("kube-apiserver")!;
    expect(apiserver.dnsNames).toEqual(expect.arrayContaining(["ctl-1", "ctl-2"]));
    expect(apiserver.dnsNames).not.toContain("db-1");
    expect(apiserver.ipAddresses).toEqual(["10.32.0.1", "172.30.0.10", "172.30.0.11", "127.0.0.1"]);
    expect(specs.get("kubelet-w-1")!.ipAddresses).toEqual(["172.30.0.50"]);
    expect(specs.get("etcd-server-db-1")!.ipAddresses).toEqual(["172.30.0.12", "127.0.0.1"]);
  });

  it("cuts the guide's shared layout: one CA, one kubernetes certificate for every server", () => {
    const plan = planLab({
      ...lab([
        { name: "etcd1", roles: ["etcd"] },
        { name: "controller1", roles: ["controlplane"] },
        { name: "worker1", roles: ["worker"] },
        { name: "lb", roles: ["loadbalancer"] },
      ]),
      pki: { style: "shared", keyAlgorithm: "rsa" },
    });
    const specs = byName(certificateSpecs(plan));
    expect([...specs.keys()]).toEqual([
      "ca",
      "front-proxy-ca",
      "kubernetes",
      "apiserver-kubelet-client",
      "admin",
      "kube-controller-manager",
      "kube-scheduler",
      "kube-proxy",
      "kubelet-worker1",
      "etcd-healthcheck-client",
      "front-proxy-client",
    ]);
    const shared = specs.get("kubernetes")!;
    expect(shared).toMatchObject({ issuer: "ca", commonName: "kubernetes", usage: ["server", "client"] });
    expect(shared.dnsNames).toEqual(expect.arrayContaining(["etcd1", "controller1", "worker1", "lb", "kubernetes.default.svc.lab.internal", "localhost"]));
    // Every node, the load balancer (the API endpoint), the Service IP and loopback.
    expect(shared.ipAddresses).toEqual(["10.32.0.1", "172.30.0.10", "172.30.0.11", "172.30.0.12", "172.30.0.13", "127.0.0.1"]);
    expect(plan.api.address).toBe("172.30.0.13");
    expect(specs.get("etcd-healthcheck-client")!.issuer).toBe("ca");
    const parts = certificateParts(plan);
    expect([parts.etcdCa, parts.apiServer, parts.apiServerEtcdClient, parts.etcdServer("etcd1"), parts.etcdPeer("etcd1")]).toEqual(["ca", "kubernetes", "kubernetes", "kubernetes", "kubernetes"]);
  });

  it("puts the load balancer's address on the API server's certificate in the per-component layout too", () => {
    const plan = planLab(lab([{ name: "c1", roles: ["etcd", "controlplane"] }, { name: "w1", roles: ["worker"] }, { name: "lb", roles: ["loadbalancer"] }]));
    expect(byName(certificateSpecs(plan)).get("kube-apiserver")!.ipAddresses).toContain("172.30.0.12");
    expect(certificateParts(plan).etcdServer("c1")).toBe("etcd-server-c1");
  });

  it("gives control plane nodes a kubelet certificate when the control plane runs as static pods", () => {
    const plan = planLab(lab([{ name: "ctl-1", roles: ["etcd", "controlplane"] }], "static-pods"));
    expect(certificateSpecs(plan).map((s) => s.name)).toContain("kubelet-ctl-1");
  });

  it("is pure: the same plan gives the same specs", () => {
    expect(JSON.stringify(certificateSpecs(single))).toBe(JSON.stringify(certificateSpecs(single)));
  });
});

describe("pkiSpecs", () => {
  it("adds the service-account key pair after the certificates", () => {
    const plan = planLab(lab([{ name: "node1", roles: ["etcd", "controlplane", "worker"] }]));
    const specs = pkiSpecs(plan);
    expect(specs.at(-1)).toEqual({ kind: "keypair", name: "service-account" });
    expect(specs.at(-1)).toBe(SERVICE_ACCOUNT_KEY_PAIR);
    expect(specs.slice(0, -1)).toEqual(certificateSpecs(plan));
  });
});
