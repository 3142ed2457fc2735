import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkServerIdentity, connect, createServer, type TLSSocket } from "node:tls";
import forge from "node-forge";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { LabNode } from "../../src/config/lab-schema.js";
import { loadLabFile } from "../../src/config/load-lab.js";
import { LabPaths } from "../../src/lab-paths.js";
import { planLab, type Plan, type ResolvedLab } from "../../src/plan/plan.js";
import { certificateParts, certificateSpecs, type CertificateSpec } from "../../src/pki/certificate-specs.js";
import { generateRsaKey } from "../../src/pki/keys.js";
import { ensurePki, type Pki } from "../../src/pki/pki-store.js";
import { checkWithOpenssl, inspect, openssl, snapshot } from "./support.js";

const DAY_MS = 86_400_000;
/** forge's raw RSA operation, which every forge RSA signature goes through (missing from its types). */
const forgeRsaPrimitive = forge.pki.rsa as typeof forge.pki.rsa & { encrypt(m: string, key: unknown, bt: number): string };
let home: string;
let labCount = 0;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "kubelab-pki-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function plan(nodes: LabNode[]): Plan {
  return planLab({
    name: "pki",
    provider: "docker",
    kubernetesVersion: "v1.20.2",
    controlPlane: "systemd",
    artifacts: {},
    pki: { style: "per-component", keyAlgorithm: "rsa" },
    security: { kubeletBootstrap: "certificate", encryptionAtRest: "none", apiAnonymousAuth: true },
    network: {
      nodeSubnet: "172.30.0.0/24",
      podCidr: "10.200.0.0/16",
      podSubnetPrefix: 24,
      serviceCidr: "10.32.0.0/24",
      clusterDomain: "cluster.local",
      overlay: "routes",
    },
    nodes,
    addons: [],
  } as ResolvedLab);
}

/** A fresh lab directory under the temporary KUBELAB_HOME. */
function freshPaths(): LabPaths {
  return new LabPaths(`lab-${++labCount}`, { KUBELAB_HOME: home });
}

const singleNode: LabNode[] = [{ name: "node1", roles: ["etcd", "controlplane", "worker"] }];
const multiNode: LabNode[] = [
  { name: "ctl-1", roles: ["etcd", "controlplane"] },
  { name: "ctl-2", roles: ["etcd", "controlplane", "worker"] },
  { name: "ctl-3", roles: ["etcd", "controlplane"] },
  { name: "w-1", roles: ["worker"] },
  { name: "w-2", roles: ["worker"], ip: "172.30.0.77" },
];
/** A 4-node lab: one control plane + etcd node, three workers. */
const fourNode: LabNode[] = [
  { name: "ctl-1", roles: ["etcd", "controlplane"] },
  { name: "w-1", roles: ["worker"] },
  { name: "w-2", roles: ["worker"] },
  { name: "w-3", roles: ["worker"] },
];

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe("ensurePki", () => {
  it("makes every key and certificate of a 4-node lab on a first run", async () => {
    // Its speed is measured by `npm run bench`, not asserted here.
    const pki = await ensurePki(plan(fourNode), freshPaths());
    expect(pki.regenerated).toHaveLength(certificateSpecs(plan(fourNode)).length + 1);
  });

  for (const [label, nodes] of [
    ["single-node", singleNode],
    ["multi-node", multiNode],
  ] as const) {
    describe(`for a ${label} lab`, () => {
      const labPlan = plan(nodes);
      const specs = certificateSpecs(labPlan);
      let paths: LabPaths;
      let pki: Pki;
      let startedAt: number;

      beforeAll(async () => {
        paths = freshPaths();
        startedAt = Date.now();
        pki = await ensurePki(labPlan, paths);
      });

      it("makes every certificate, then the service-account key pair", () => {
        expect(pki.names()).toEqual(specs.map((s) => s.name));
        expect(pki.regenerated).toEqual([...specs.map((s) => s.name), "service-account"]);
      });

      it("passes openssl's checks for every certificate", async () => {
        await Promise.all(specs.map((spec) => checkWithOpenssl(spec, paths, startedAt)));
      });

      it("writes keys 0600, certificates 0644, the directory 0700, and no temporary files", async () => {
        expect(await mode(paths.pkiDir)).toBe(0o700);
        for (const spec of specs) {
          expect(await mode(paths.key(spec.name)), spec.name).toBe(0o600);
          expect(await mode(paths.cert(spec.name)), spec.name).toBe(0o644);
        }
        expect(await mode(paths.key("service-account"))).toBe(0o600);
        expect(await mode(join(paths.pkiDir, "service-account.pub"))).toBe(0o644);
        const files = await readdir(paths.pkiDir);
        expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
        expect(files.sort()).toEqual(
          [
            ...specs.flatMap((s) => [`${s.name}.crt`, `${s.name}.key`]),
            "service-account.key",
            "service-account.pub",
            "manifest.json",
          ].sort(),
        );
      });

      it("returns what it wrote", async () => {
        for (const spec of specs) {
          expect(pki.get(spec.name)).toEqual({
            certPem: await readFile(paths.cert(spec.name), "utf8"),
            keyPem: await readFile(paths.key(spec.name), "utf8"),
          });
        }
        expect(pki.caCertPem("etcd-ca")).toBe(await readFile(paths.cert("etcd-ca"), "utf8"));
        expect(() => pki.get("service-account")).toThrow(/failed to find certificate service-account/);
      });

      it("writes a service-account key pair whose public key is the private key's", async () => {
        const keyFile = paths.key("service-account");
        const pubFile = join(paths.pkiDir, "service-account.pub");
        expect(pki.serviceAccount.privateKeyPem).toBe(await readFile(keyFile, "utf8"));
        expect(pki.serviceAccount.publicKeyPem).toBe(await readFile(pubFile, "utf8"));
        expect(await openssl(["pkey", "-pubin", "-in", pubFile])).toBe(await openssl(["pkey", "-pubout", "-in", keyFile]));
        expect(await openssl(["rsa", "-noout", "-text", "-in", keyFile])).toContain("Private-Key: (2048 bit, 2 primes)");
      });

      it("records a fingerprint per name in the manifest", async () => {
        const manifest = JSON.parse(await readFile(paths.pkiManifest, "utf8")) as {
          entries: Record<string, { spec: string; fingerprint: string; issuer: string | null }>;
        };
        expect(Object.keys(manifest.entries)).toEqual([...specs.map((s) => s.name), "service-account"]);
        const fingerprint = async (name: string) =>
          (await openssl(["x509", "-noout", "-fingerprint", "-sha256", "-in", paths.cert(name)])).split("=")[1]!.replace(/:/g, "").toLowerCase();
        for (const spec of specs) {
          const entry = manifest.entries[spec.name]!;
          expect(entry.spec).toMatch(/^[0-9a-f]{64}$/);
          expect(entry.fingerprint).toBe(await fingerprint(spec.name));
          expect(entry.issuer).toBe(spec.issuer === "self" ? null : await fingerprint(spec.issuer));
        }
      });

      it("regenerates nothing on a rerun with the same plan", async () => {
        const before = await snapshot(paths);
        const again = await ensurePki(labPlan, paths);
        expect(again.regenerated).toEqual([]);
        expect(await snapshot(paths)).toEqual(before);
        expect(again.names().map((n) => again.get(n))).toEqual(pki.names().map((n) => pki.get(n)));
        expect(again.serviceAccount).toEqual(pki.serviceAccount);
      });
    });
  }

  it("reissues a node's certificates and the API server's, not the CAs, when the node's address changes", async () => {
    const paths = freshPaths();
    await ensurePki(plan(singleNode), paths);
    const before = await snapshot(paths);

    const moved = plan([{ ...singleNode[0]!, ip: "172.30.0.99" }]);
    const pki = await ensurePki(moved, paths);
    const changed = ["kube-apiserver", "etcd-server-node1", "etcd-peer-node1", "kubelet-node1"];
    expect(pki.regenerated).toEqual(changed);
    const after = await snapshot(paths);
    for (const [file, bytes] of before) {
      const name = file.replace(/\.(crt|key|pub)$/, "");
      if (file === "manifest.json" || changed.includes(name)) expect(after.get(file), file).not.toEqual(bytes);
      else expect(after.get(file), file).toEqual(bytes);
    }
    const startedAt = Date.now();
    for (const spec of certificateSpecs(moved).filter((s) => changed.includes(s.name))) {
      await checkWithOpenssl(spec, paths, startedAt);
    }
    expect(await openssl(["x509", "-noout", "-ext", "subjectAltName", "-in", paths.cert("kubelet-node1")])).toContain("IP Address:172.30.0.99");
  });

  it("reissues only a worker's kubelet certificate when that worker moves", async () => {
    const paths = freshPaths();
    await ensurePki(plan(multiNode), paths);
    const moved = multiNode.map((n) => (n.name === "w-1" ? { ...n, ip: "172.30.0.88" } : n));
    expect((await ensurePki(plan(moved), paths)).regenerated).toEqual(["kubelet-w-1"]);
  });

  it("reissues everything a CA issued when the CA is lost, and nothing else", async () => {
    const paths = freshPaths();
    const labPlan = plan(singleNode);
    await ensurePki(labPlan, paths);
    await rm(paths.key("etcd-ca"));
    const pki = await ensurePki(labPlan, paths);
    expect(pki.regenerated).toEqual(certificateSpecs(labPlan).filter((s) => s.name === "etcd-ca" || s.issuer === "etcd-ca").map((s) => s.name));
    expect(pki.regenerated).toEqual(["etcd-ca", "apiserver-etcd-client", "etcd-server-node1", "etcd-peer-node1", "etcd-healthcheck-client"]);
    const startedAt = Date.now();
    for (const spec of certificateSpecs(labPlan).filter((s) => pki.regenerated.includes(s.name))) {
      await checkWithOpenssl(spec, paths, startedAt);
    }
  });

  it("reissues a certificate whose key no longer matches it, or whose file was replaced", async () => {
    const paths = freshPaths();
    const labPlan = plan(singleNode);
    await ensurePki(labPlan, paths);
    await writeFile(paths.key("kube-proxy"), (await generateRsaKey()).privateKeyPem);
    await writeFile(paths.cert("admin"), await readFile(paths.cert("kube-scheduler")));
    await writeFile(paths.cert("front-proxy-client"), "not a certificate");
    expect((await ensurePki(labPlan, paths)).regenerated).toEqual(["admin", "kube-proxy", "front-proxy-client"]);
    expect((await ensurePki(labPlan, paths)).regenerated).toEqual([]);
  });

  it("renews certificates about to expire, keeping the CAs", async () => {
    const paths = freshPaths();
    const labPlan = plan(singleNode);
    await ensurePki(labPlan, paths);
    const later = new Date(Date.now() + 340 * DAY_MS);
    const pki = await ensurePki(labPlan, paths, { now: later });
    expect(pki.regenerated).toEqual(certificateSpecs(labPlan).filter((s) => !s.isCA).map((s) => s.name));
  });

  it("removes the files of certificates the plan no longer has", async () => {
    const paths = freshPaths();
    await ensurePki(plan(multiNode), paths);
    await ensurePki(plan(multiNode.filter((n) => n.name !== "w-2")), paths);
    const files = await readdir(paths.pkiDir);
    expect(files.filter((f) => f.startsWith("kubelet-"))).toEqual(["kubelet-ctl-2.crt", "kubelet-ctl-2.key", "kubelet-w-1.crt", "kubelet-w-1.key"]);
  });

  it("reissues everything when the manifest is lost", async () => {
    const paths = freshPaths();
    const labPlan = plan(singleNode);
    await ensurePki(labPlan, paths);
    await rm(paths.pkiManifest);
    expect((await ensurePki(labPlan, paths)).regenerated).toHaveLength(certificateSpecs(labPlan).length + 1);
  });

  it("takes its keys from native crypto, never from forge's RSA", async () => {
    const forgeKeygen = vi.spyOn(forge.pki.rsa, "generateKeyPair").mockImplementation(() => {
      throw new Error("forge key generation used");
    });
    const forgeRsa = vi.spyOn(forgeRsaPrimitive, "encrypt").mockImplementation(() => {
      throw new Error("forge RSA used");
    });
    const paths = freshPaths();
    const labPlan = plan(singleNode);
    const pki = await ensurePki(labPlan, paths);
    expect(pki.regenerated).toHaveLength(certificateSpecs(labPlan).length + 1);
    expect(forgeKeygen).not.toHaveBeenCalled();
    expect(forgeRsa).not.toHaveBeenCalled();
    await checkWithOpenssl(certificateSpecs(labPlan).find((s) => s.name === "kube-apiserver")!, paths, Date.now());
  });

  it("says what failed when the lab directory is not writable", async () => {
    const blocker = join(home, "not-a-dir");
    await writeFile(blocker, "");
    const paths = new LabPaths("x", { KUBELAB_HOME: blocker });
    await expect(ensurePki(plan(singleNode), paths)).rejects.toThrow(/^failed to create .*pki/);
  });
});

/** labs/ha-etcd.yaml with node subnet 172.30.0.0/24, in its own PKI style (shared) or another. */
async function haEtcdPlan(style: "shared" | "per-component" = "shared"): Promise<Plan> {
  const { lab } = await loadLabFile(fileURLToPath(new URL("../../labs/ha-etcd.yaml", import.meta.url)));
  return planLab({ ...lab, pki: { ...lab.pki, style }, network: { ...lab.network, nodeSubnet: "172.30.0.0/24" } });
}

/** The names a lab's PKI directory holds files for, sorted. */
async function namesOnDisk(paths: LabPaths): Promise<string[]> {
  const files = (await readdir(paths.pkiDir)).filter((f) => f !== "manifest.json");
  return [...new Set(files.map((f) => f.replace(/\.(crt|key|pub)$/, "")))].sort();
}

/** The nodes of labs/ha-etcd.yaml at 172.30.0.0/24: the load balancer first, as listed. */
const HA_NODES = [
  ["lb", "172.30.0.10"],
  ["etcd1", "172.30.0.11"],
  ["etcd2", "172.30.0.12"],
  ["controller1", "172.30.0.13"],
  ["controller2", "172.30.0.14"],
  ["worker1", "172.30.0.15"],
  ["worker2", "172.30.0.16"],
] as const;
/** The kubernetes Service's address: the first of ha-etcd's serviceCidr 10.32.0.0/24. */
const SERVICE_IP = "10.32.0.1";

describe("the shared layout (labs/ha-etcd.yaml), made by ensurePki and checked with openssl", () => {
  let labPlan: Plan;
  let specs: CertificateSpec[];
  let paths: LabPaths;
  let pki: Pki;
  let startedAt: number;

  beforeAll(async () => {
    labPlan = await haEtcdPlan();
    specs = certificateSpecs(labPlan);
    paths = freshPaths();
    startedAt = Date.now();
    pki = await ensurePki(labPlan, paths);
  });

  it("is the plan of the lab file as written: shared, the load balancer as the API endpoint", () => {
    expect(labPlan.pkiStyle).toBe("shared");
    expect(labPlan.nodes.map((n) => [n.name, n.ip])).toEqual(HA_NODES.map(([name, ip]) => [name, ip]));
    expect(labPlan.api.loadBalancer?.name).toBe("lb");
    expect(labPlan.api.endpoint).toBe("https://172.30.0.10:6443");
    expect(labPlan.network.serviceIp).toBe(SERVICE_IP);
  });

  it("makes one CA for the cluster and etcd, the front proxy's, the kubernetes certificate and the clients, nothing else", async () => {
    expect(pki.names()).toEqual([
      "ca",
      "front-proxy-ca",
      "kubernetes",
      "apiserver-kubelet-client",
      "admin",
      "kube-controller-manager",
      "kube-scheduler",
      "kube-proxy",
      "kubelet-worker1",
      "kubelet-worker2",
      "etcd-healthcheck-client",
      "front-proxy-client",
    ]);
    expect(pki.regenerated).toEqual([...pki.names(), "service-account"]);
    expect(await namesOnDisk(paths)).toEqual([...pki.names(), "service-account"].sort());
  });

  it("has no etcd CA, and no per-component server certificates", async () => {
    const files = await readdir(paths.pkiDir);
    expect(files.filter((f) => /^(etcd-ca|kube-apiserver|apiserver-etcd-client|etcd-server-|etcd-peer-)/.test(f))).toEqual([]);
    expect(() => pki.caCertPem("etcd-ca")).toThrow(/no certificate by that name/);
    expect(specs.filter((s) => s.issuer === "etcd-ca")).toEqual([]);
  });

  it("every certificate verifies against its CA with openssl verify, for each of its purposes, and matches its spec", async () => {
    expect(specs.map((s) => `${s.name} < ${s.issuer}`)).toEqual([
      "ca < self",
      "front-proxy-ca < self",
      "kubernetes < ca",
      "apiserver-kubelet-client < ca",
      "admin < ca",
      "kube-controller-manager < ca",
      "kube-scheduler < ca",
      "kube-proxy < ca",
      "kubelet-worker1 < ca",
      "kubelet-worker2 < ca",
      "etcd-healthcheck-client < ca",
      "front-proxy-client < front-proxy-ca",
    ]);
    await Promise.all(specs.map((spec) => checkWithOpenssl(spec, paths, startedAt)));
  });

  it("the kubernetes certificate: CN kubernetes, server and client authentication", async () => {
    const c = await inspect(paths.cert("kubernetes"));
    expect(c.subject).toEqual(["O = Kubernetes", "CN = kubernetes"]);
    expect(c.issuer).toEqual(["CN = kubernetes-ca"]);
    expect(c.extKeyUsage).toBe("TLS Web Server Authentication, TLS Web Client Authentication");
    for (const purpose of ["sslserver", "sslclient"]) {
      expect(await openssl(["verify", "-x509_strict", "-purpose", purpose, "-CAfile", paths.cert("ca"), paths.cert("kubernetes")])).toBe(
        `${paths.cert("kubernetes")}: OK`,
      );
    }
  });

  it("the kubernetes certificate names every node (the load balancer too) by name and address, the Service IP and loopback", async () => {
    const c = await inspect(paths.cert("kubernetes"));
    expect(c.san.sort()).toEqual(
      [
        ...["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost"].map((d) => `DNS:${d}`),
        ...HA_NODES.map(([name]) => `DNS:${name}`),
        ...[SERVICE_IP, ...HA_NODES.map(([, ip]) => ip), "127.0.0.1"].map((ip) => `IP Address:${ip}`),
      ].sort(),
    );
    // openssl's own host and address matching, as a TLS client would apply it.
    const cert = paths.cert("kubernetes");
    for (const [name, ip] of HA_NODES) {
      expect(await openssl(["x509", "-noout", "-in", cert, "-checkip", ip])).toBe(`IP ${ip} does match certificate`);
      expect(await openssl(["x509", "-noout", "-in", cert, "-checkhost", name])).toBe(`Hostname ${name} does match certificate`);
    }
    for (const ip of [SERVICE_IP, "127.0.0.1"]) {
      expect(await openssl(["x509", "-noout", "-in", cert, "-checkip", ip])).toBe(`IP ${ip} does match certificate`);
    }
    expect(await openssl(["x509", "-noout", "-in", cert, "-checkhost", "kubernetes.default.svc.cluster.local"])).toContain("does match certificate");
    // And not just anything: an address and a name of no node.
    expect(await openssl(["x509", "-noout", "-in", cert, "-checkip", "172.30.0.17"])).toBe("IP 172.30.0.17 does NOT match certificate");
    expect(await openssl(["x509", "-noout", "-in", cert, "-checkhost", "worker3"])).toBe("Hostname worker3 does NOT match certificate");
  });

  it("etcd-healthcheck-client is issued by the one CA", async () => {
    expect((await inspect(paths.cert("etcd-healthcheck-client"))).issuer).toEqual(["CN = kubernetes-ca"]);
    expect(new X509Certificate(pki.get("etcd-healthcheck-client").certPem).checkIssued(new X509Certificate(pki.caCertPem("ca")))).toBe(true);
  });

  it("serves etcd's mutual TLS: a server holding kubernetes and trusting ca accepts the API server's client certificate and the health check's", async () => {
    const parts = certificateParts(labPlan);
    expect(parts).toMatchObject({ etcdCa: "ca", apiServer: "kubernetes", apiServerEtcdClient: "kubernetes" });
    const server = pki.get(parts.etcdServer("etcd1"));
    const ca = pki.caCertPem(parts.etcdCa);
    // Like etcd with --client-cert-auth, but saying why it would refuse a client instead of hanging up.
    const tlsServer = createServer({ cert: server.certPem, key: server.keyPem, ca, requestCert: true, rejectUnauthorized: false }, (socket) => {
      const cn = (socket.getPeerCertificate().subject as { CN?: string } | undefined)?.CN;
      socket.end(`${cn} ${socket.authorized ? "authorized" : `refused: ${String(socket.authorizationError)}`}\n`);
    });
    tlsServer.listen(0, "127.0.0.1");
    await once(tlsServer, "listening");
    const { port } = tlsServer.address() as AddressInfo;
    /** Connects as `client` (a certificate name), checking the server as a client of `host` would. */
    const hello = async (client: string, host: string): Promise<string> => {
      const { certPem, keyPem } = pki.get(client);
      const socket: TLSSocket = connect({ host: "127.0.0.1", port, ca, cert: certPem, key: keyPem, checkServerIdentity: (_, cert) => checkServerIdentity(host, cert) });
      let data = "";
      socket.setEncoding("utf8").on("data", (chunk: string) => (data += chunk));
      await once(socket, "end");
      return data.trim();
    };
    try {
      // What the API servers present to etcd, and etcdctl's certificate, at each etcd member's address.
      for (const host of ["172.30.0.11", "172.30.0.12", "etcd1", "127.0.0.1"]) {
        expect(await hello(parts.apiServerEtcdClient, host)).toBe("kubernetes authorized");
      }
      expect(await hello("etcd-healthcheck-client", "172.30.0.12")).toBe("kube-etcd-healthcheck-client authorized");
      // A member's peers connect with the same certificate.
      expect(await hello(parts.etcdPeer("etcd2"), "172.30.0.11")).toBe("kubernetes authorized");
      // A certificate of another CA is not authorized.
      expect(await hello("front-proxy-client", "172.30.0.11")).toBe("front-proxy-client refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE");
      // And the server's certificate does not pass for an address it does not name.
      await expect(hello(parts.apiServerEtcdClient, "172.30.0.99")).rejects.toThrow(/IP: 172\.30\.0\.99 is not in the cert's list/);
    } finally {
      tlsServer.close();
    }
  });
});

describe("ensurePki when a lab changes its PKI style", () => {
  /** Everything both layouts issue from "ca" or "front-proxy-ca" with the same spec. */
  const KEPT = [
    "ca",
    "front-proxy-ca",
    "apiserver-kubelet-client",
    "admin",
    "kube-controller-manager",
    "kube-scheduler",
    "kube-proxy",
    "kubelet-worker1",
    "kubelet-worker2",
    "front-proxy-client",
    "service-account",
  ];
  /** What only the per-component layout has. */
  const PER_COMPONENT_ONLY = [
    "etcd-ca",
    "kube-apiserver",
    "apiserver-etcd-client",
    "etcd-server-etcd1",
    "etcd-peer-etcd1",
    "etcd-server-etcd2",
    "etcd-peer-etcd2",
  ];

  it("from per-component to shared: issues kubernetes and reissues etcd-healthcheck-client under ca, keeps the rest, removes what is gone", async () => {
    const paths = freshPaths();
    const before = await ensurePki(await haEtcdPlan("per-component"), paths);
    expect(before.names()).toEqual(expect.arrayContaining(PER_COMPONENT_ONLY));
    expect(await namesOnDisk(paths)).toEqual([...KEPT, ...PER_COMPONENT_ONLY, "etcd-healthcheck-client"].sort());
    const bytesBefore = await snapshot(paths);

    const shared = await haEtcdPlan("shared");
    const pki = await ensurePki(shared, paths);
    expect(pki.regenerated).toEqual(["kubernetes", "etcd-healthcheck-client"]);
    expect(await namesOnDisk(paths)).toEqual([...KEPT, "kubernetes", "etcd-healthcheck-client"].sort());

    const after = await snapshot(paths);
    for (const name of KEPT) {
      for (const ext of name === "service-account" ? ["key", "pub"] : ["crt", "key"]) {
        expect(after.get(`${name}.${ext}`), `${name}.${ext}`).toEqual(bytesBefore.get(`${name}.${ext}`));
      }
    }
    expect(after.get("etcd-healthcheck-client.crt")).not.toEqual(bytesBefore.get("etcd-healthcheck-client.crt"));
    const manifest = JSON.parse(await readFile(paths.pkiManifest, "utf8")) as { entries: Record<string, unknown> };
    expect(Object.keys(manifest.entries)).toEqual([...pki.names(), "service-account"]);

    const startedAt = Date.now();
    for (const spec of certificateSpecs(shared).filter((s) => pki.regenerated.includes(s.name))) await checkWithOpenssl(spec, paths, startedAt);
    expect((await ensurePki(shared, paths)).regenerated).toEqual([]);
  });

  it("and back: the etcd CA and the per-component certificates again, kubernetes removed", async () => {
    const paths = freshPaths();
    await ensurePki(await haEtcdPlan("shared"), paths);
    const perComponent = await haEtcdPlan("per-component");
    const pki = await ensurePki(perComponent, paths);
    expect(pki.regenerated).toEqual([
      "etcd-ca",
      "kube-apiserver",
      "apiserver-etcd-client",
      "etcd-server-etcd1",
      "etcd-peer-etcd1",
      "etcd-server-etcd2",
      "etcd-peer-etcd2",
      "etcd-healthcheck-client",
    ]);
    expect(await namesOnDisk(paths)).toEqual([...KEPT, ...PER_COMPONENT_ONLY, "etcd-healthcheck-client"].sort());
    const startedAt = Date.now();
    for (const spec of certificateSpecs(perComponent).filter((s) => pki.regenerated.includes(s.name))) await checkWithOpenssl(spec, paths, startedAt);
  });
});
