/**
 * The renderers of a lab's hardening (labs/hardened-single.yaml, the lab file's `security`):
 *
 * - every other lab renders none of it (no flag, file or certificate of it);
 * - each option alone adds exactly its own flags, files and certificates: TLS bootstrapping (the
 *   bootstrap kubeconfig, kubelet's bootstrap flags and rotation, no kubelet client certificate
 *   from kubelab), encryption at rest (a 0600 EncryptionConfiguration), the audit log, anonymous
 *   auth off (and the health-check client certificate the probes present, HAProxy's included), the
 *   TLS policy on every server; the bootstrap token's Secret and bindings as Kubernetes documents
 *   them;
 * - the bootstrap kubeconfig read by the real kubectl, which presents the token to a TLS server
 *   holding the lab's real API server certificate;
 * - the REAL kube-apiserver v1.20.2, on a real etcd, started with the rendered encryption
 *   configuration, audit policy and hardening flags (the lab's real certificates): it refuses
 *   anonymous requests (401) and TLS 1.1 (the host's openssl), accepts the lab's bootstrap token
 *   (its user may create certificate signing requests), stores a Secret encrypted (read raw with
 *   etcdctl), and its audit log records the Secret's creation at Metadata level, without its value.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { once } from "node:events";
import { createServer as createHttpsServer } from "node:https";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLab } from "../../src/config/load-lab.js";
import { LabPaths } from "../../src/lab-paths.js";
import { planLab, type Plan, type ResolvedLab } from "../../src/plan/plan.js";
import { API_HEALTHCHECK_CLIENT, certificateSpecs, kubeletCertName } from "../../src/pki/certificate-specs.js";
import { ensurePki, type Pki } from "../../src/pki/pki-store.js";
import { ENCRYPTED_VALUE_PREFIX } from "../../src/render/encryption-config.js";
import { etcdFlags } from "../../src/render/etcd.js";
import { renderFlag, type Flag } from "../../src/render/flags.js";
import { HAPROXY_CLIENT_PEM, HAPROXY_CONFIG } from "../../src/render/haproxy.js";
import { apiServerFlags } from "../../src/render/kube-apiserver.js";
import { controllerManagerFlags } from "../../src/render/kube-controller-manager.js";
import { schedulerFlags } from "../../src/render/kube-scheduler.js";
import { kubeconfigFor } from "../../src/render/node-files.js";
import { kubeletConfig, kubeletFlags } from "../../src/render/kubelet.js";
import { AUDIT_POLICY, certPath, ENCRYPTION_CONFIG, keyPath, kubeconfigPath } from "../../src/render/node-layout.js";
import { BOOTSTRAP_KUBECONFIG, bootstrapBindings, bootstrapKubeconfig, bootstrapTokenSecret } from "../../src/render/tls-bootstrap.js";
import { artifactBin, failWhenMissing, missingBinaries, missingCommand, skipUnlessAvailable } from "./real-tools.js";
import { FAKE_SECRETS, fakeNodeFiles, fileAt, haEtcdPlan, hardenedSinglePlan, renderCases, SINGLE_NODE_SUBNET, text } from "./lab-fixtures.js";

/** The API server flags a lab's hardening adds. */
const HARDENING_FLAGS = [
  "anonymous-auth",
  "enable-bootstrap-token-auth",
  "encryption-provider-config",
  "audit-policy-file",
  "audit-log-path",
  "audit-log-maxsize",
  "audit-log-maxbackup",
  "audit-log-maxage",
  "tls-min-version",
  "tls-cipher-suites",
];

const hardened = hardenedSinglePlan();
const hard1 = hardened.nodes[0]!;

/** A one-node systemd lab with these `security` lines. */
function withSecurity(...security: string[]): Plan {
  const source = [
    "name: sec",
    "kubernetesVersion: v1.20.2",
    "nodes:",
    "  - {name: n1, roles: [etcd, controlplane, worker]}",
    ...(security.length ? ["security:", ...security.map((l) => `  ${l}`)] : []),
    "",
  ].join("\n");
  const { lab } = parseLab(source, "sec.yaml");
  return planLab({ ...lab, network: { ...lab.network, nodeSubnet: SINGLE_NODE_SUBNET } } as ResolvedLab);
}

const names = (flags: readonly Flag[]): string[] => flags.map(([name]) => name);
const paths = (plan: Plan): string[] => fakeNodeFiles(plan, plan.nodes[0]!).map((f) => f.path);

describe("a lab without hardening", () => {
  for (const { id, plan } of renderCases().filter((c) => !c.id.startsWith("hardened-"))) {
    it(`${id} renders none of it`, () => {
      for (const node of plan.nodes) {
        if (node.controlPlane) {
          expect(names(apiServerFlags(plan, node)).filter((n) => HARDENING_FLAGS.includes(n)), node.name).toEqual([]);
          expect(names([...controllerManagerFlags(plan), ...schedulerFlags(plan)]).filter((n) => n.startsWith("tls-"))).toEqual([]);
        }
        if (node.etcd) expect(names(etcdFlags(plan, node))).not.toContain("cipher-suites");
        if (node.kubelet) {
          expect(names(kubeletFlags(plan, node))).not.toContain("bootstrap-kubeconfig");
          const config = parse(kubeletConfig(plan, node)) as Record<string, unknown>;
          for (const key of ["rotateCertificates", "tlsMinVersion", "tlsCipherSuites"]) expect(config[key], key).toBeUndefined();
        }
        const files = fakeNodeFiles(plan, node).map((f) => f.path);
        for (const path of [ENCRYPTION_CONFIG, AUDIT_POLICY, BOOTSTRAP_KUBECONFIG, certPath(API_HEALTHCHECK_CLIENT), HAPROXY_CLIENT_PEM]) expect(files, path).not.toContain(path);
        if (node.kubelet) expect(files).toContain(kubeconfigPath("kubelet"));
      }
      expect(certificateSpecs(plan).map((s) => s.name)).not.toContain(API_HEALTHCHECK_CLIENT);
    });
  }
});

describe("each hardening option alone", () => {
  const base = withSecurity();
  const node = (plan: Plan) => plan.nodes[0]!;
  const added = (plan: Plan): string[] => names(apiServerFlags(plan, node(plan))).filter((n) => HARDENING_FLAGS.includes(n));
  const newFiles = (plan: Plan): string[] => paths(plan).filter((p) => !paths(base).includes(p)).sort();
  const goneFiles = (plan: Plan): string[] => paths(base).filter((p) => !paths(plan).includes(p)).sort();

  it("TLS bootstrapping: the token kubeconfig instead of kubelab's, kubelet's bootstrap flags and rotation, a serving-only kubelet certificate", () => {
    const plan = withSecurity("kubeletBootstrap: token");
    expect(added(plan)).toEqual(["enable-bootstrap-token-auth"]);
    expect(newFiles(plan)).toEqual([BOOTSTRAP_KUBECONFIG]);
    expect(goneFiles(plan)).toEqual([kubeconfigPath("kubelet")]);
    expect(fileAt(fakeNodeFiles(plan, node(plan)), BOOTSTRAP_KUBECONFIG).mode).toBe(0o600);
    expect(kubeletFlags(plan, node(plan)).slice(0, 4)).toEqual([
      ["config", "/etc/kubernetes/kubelet-config.yaml"],
      ["bootstrap-kubeconfig", "/etc/kubernetes/bootstrap-kubelet.kubeconfig"],
      ["kubeconfig", "/var/lib/kubelet/kubeconfig"],
      ["cert-dir", "/var/lib/kubelet/pki"],
    ]);
    expect((parse(kubeletConfig(plan, node(plan))) as Record<string, unknown>).rotateCertificates).toBe(true);
    expect(certificateSpecs(plan).find((s) => s.name === kubeletCertName("n1"))!.usage).toEqual(["server"]);
    expect(certificateSpecs(base).find((s) => s.name === kubeletCertName("n1"))!.usage).toEqual(["server", "client"]);
  });

  it("encryption at rest: the 0600 EncryptionConfiguration with the lab's key, AES-CBC then identity", () => {
    const plan = withSecurity("encryptionAtRest: aescbc");
    expect(added(plan)).toEqual(["encryption-provider-config"]);
    expect(newFiles(plan)).toEqual([ENCRYPTION_CONFIG]);
    const file = fileAt(fakeNodeFiles(plan, node(plan)), ENCRYPTION_CONFIG);
    expect(file.mode).toBe(0o600);
    expect(parse(text(file))).toEqual({
      apiVersion: "apiserver.config.k8s.io/v1",
      kind: "EncryptionConfiguration",
      resources: [{ resources: ["secrets"], providers: [{ aescbc: { keys: [{ name: "key1", secret: FAKE_SECRETS.encryptionKey }] } }, { identity: {} }] }],
    });
    expect(ENCRYPTED_VALUE_PREFIX).toBe("k8s:enc:aescbc:v1:key1:");
  });

  it("the audit log: its policy and the rotation settings", () => {
    const plan = withSecurity("audit: {maxSizeMb: 5, maxBackups: 2, maxAgeDays: 9}");
    expect(apiServerFlags(plan, node(plan)).filter(([n]) => n.startsWith("audit-"))).toEqual([
      ["audit-policy-file", AUDIT_POLICY],
      ["audit-log-path", "/var/log/kubernetes/audit.log"],
      ["audit-log-maxsize", "5"],
      ["audit-log-maxbackup", "2"],
      ["audit-log-maxage", "9"],
    ]);
    expect(newFiles(plan)).toEqual([AUDIT_POLICY]);
    const policy = parse(text(fileAt(fakeNodeFiles(plan, node(plan)), AUDIT_POLICY))) as { rules: { level: string; resources?: { resources?: string[] }[] }[] };
    // Secrets are never logged with their bodies; the last rule records the rest.
    const secretsRule = policy.rules.find((r) => r.resources?.some((g) => g.resources?.includes("secrets")));
    expect(secretsRule?.level).toBe("Metadata");
    expect(policy.rules.indexOf(secretsRule!)).toBeLessThan(policy.rules.findIndex((r) => r.level === "RequestResponse"));
    expect(policy.rules.at(-1)).toEqual({ level: "Metadata" });
  });

  it("anonymous auth off: the flag, and the health-check client certificate the probes present (a user in no group)", () => {
    const plan = withSecurity("apiAnonymousAuth: false");
    expect(apiServerFlags(plan, node(plan)).filter(([n]) => HARDENING_FLAGS.includes(n))).toEqual([["anonymous-auth", "false"]]);
    expect(newFiles(plan)).toEqual([certPath(API_HEALTHCHECK_CLIENT), keyPath(API_HEALTHCHECK_CLIENT)].sort());
    expect(certificateSpecs(plan).find((s) => s.name === API_HEALTHCHECK_CLIENT)).toEqual({
      kind: "certificate",
      name: API_HEALTHCHECK_CLIENT,
      issuer: "ca",
      commonName: "kubelab-healthcheck",
      dnsNames: [],
      ipAddresses: [],
      usage: ["client"],
    });
  });

  it("the TLS policy: on the API server, controller manager, scheduler, kubelet and etcd", () => {
    const plan = withSecurity("tlsMinVersion: VersionTLS12", "tlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]");
    const tls: Flag[] = [
      ["tls-min-version", "VersionTLS12"],
      ["tls-cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"],
    ];
    expect(apiServerFlags(plan, node(plan)).filter(([n]) => HARDENING_FLAGS.includes(n))).toEqual(tls);
    expect(controllerManagerFlags(plan).slice(-2)).toEqual(tls);
    expect(schedulerFlags(plan).slice(-2)).toEqual(tls);
    expect(etcdFlags(plan, node(plan)).at(-1)).toEqual(["cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]);
    const config = parse(kubeletConfig(plan, node(plan))) as Record<string, unknown>;
    expect([config.tlsMinVersion, config.tlsCipherSuites]).toEqual(["VersionTLS12", ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]]);
    expect(newFiles(plan)).toEqual([]);
  });

  it("all of them together are labs/hardened-single.yaml's flags, in that order", () => {
    expect(names(apiServerFlags(hardened, hard1)).filter((n) => HARDENING_FLAGS.includes(n))).toEqual(HARDENING_FLAGS);
  });
});

describe("a load-balanced lab with anonymous auth off", () => {
  const ha = haEtcdPlan();
  const plan: Plan = { ...ha, security: { ...ha.security, apiAnonymousAuth: false } };

  it("gives HAProxy's health checks the health-check certificate, and every node that probes the API its own copy", () => {
    const lb = plan.api.loadBalancer!;
    const lbFiles = fakeNodeFiles(plan, lb);
    expect(text(fileAt(lbFiles, HAPROXY_CONFIG))).toMatch(/^ {2}default-server check check-ssl verify none crt \/etc\/haproxy\/healthcheck-client\.pem inter 500ms fastinter 250ms fall 2 rise 2$/m);
    const pem = fileAt(lbFiles, HAPROXY_CLIENT_PEM);
    expect(pem.mode).toBe(0o600);
    expect(text(pem)).toContain(`:${API_HEALTHCHECK_CLIENT}\n-----END CERTIFICATE-----\n-----BEGIN RSA PRIVATE KEY-----`);
    for (const node of plan.nodes) {
      const has = fakeNodeFiles(plan, node).some((f) => f.path === keyPath(API_HEALTHCHECK_CLIENT));
      expect(has, node.name).toBe(node.controlPlane || node.kubelet || node.loadBalancer);
    }
    expect(text(fileAt(fakeNodeFiles(ha, lb), HAPROXY_CONFIG))).not.toContain("crt ");
  });
});

describe("the bootstrap token's objects", () => {
  const token = FAKE_SECRETS.bootstrapToken;

  it("are the token's Secret in kube-system and the three bindings of TLS bootstrapping", () => {
    expect(bootstrapTokenSecret(hardened, token, new Date("2030-01-02T03:04:05.678Z"))).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "bootstrap-token-abcdef", namespace: "kube-system" },
      type: "bootstrap.kubernetes.io/token",
      stringData: {
        description: "kubelab: the kubelets of lab hardened-single join with it",
        "token-id": "abcdef",
        "token-secret": "0123456789abcdef",
        expiration: "2030-01-02T03:04:05Z",
        "usage-bootstrap-authentication": "true",
        "usage-bootstrap-signing": "true",
        "auth-extra-groups": "system:bootstrappers:kubelab",
      },
    });
    expect(bootstrapBindings().map((b) => [(b.metadata as { name: string }).name, (b.subjects as { name: string }[])[0]!.name, (b.roleRef as { name: string }).name])).toEqual([
      ["kubelab:kubelet-bootstrap", "system:bootstrappers:kubelab", "system:node-bootstrapper"],
      ["kubelab:node-autoapprove-bootstrap", "system:bootstrappers:kubelab", "system:certificates.k8s.io:certificatesigningrequests:nodeclient"],
      ["kubelab:node-autoapprove-certificate-rotation", "system:nodes", "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient"],
    ]);
  });
});

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const SUITE = "the hardening read by the real kubectl, kube-apiserver and etcd v1.20.2";
const missing = [...(await missingBinaries(["kubectl", "kube-apiserver", "etcd", "etcdctl"])), ...(await missingCommand("openssl", ["version"]))];

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  let dir: string;
  let pki: Pki;
  const processes: ResultPromise[] = [];
  let etcdUrl: string;
  let apiPort: number;
  const file = (name: string): string => join(dir, name);
  const kubectl = (kubeconfig: string, args: string[], input?: string) =>
    execa(artifactBin("kubectl"), [`--kubeconfig=${kubeconfig}`, `--server=https://127.0.0.1:${apiPort}`, ...args], {
      reject: false,
      timeout: 30_000,
      ...(input === undefined ? {} : { input }),
      env: { HTTPS_PROXY: "", https_proxy: "", NO_PROXY: "*", no_proxy: "*" },
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubelab-hardened-"));
    pki = await ensurePki(hardened, new LabPaths("hardened", { KUBELAB_HOME: dir }));
    await mkdir(file("pki"), { recursive: true });
    for (const name of ["ca", "kube-apiserver", "admin"]) {
      await writeFile(file(`pki/${name}.crt`), pki.get(name).certPem);
      await writeFile(file(`pki/${name}.key`), pki.get(name).keyPem, { mode: 0o600 });
    }
    await writeFile(file("admin.kubeconfig"), kubeconfigFor(hardened, pki, { cert: "admin", user: "admin" }), { mode: 0o600 });
    await writeFile(file("bootstrap.kubeconfig"), bootstrapKubeconfig(hardened, pki.get("ca").certPem, FAKE_SECRETS.bootstrapToken), { mode: 0o600 });
    // The rendered encryption configuration and audit policy, as hard1 gets them.
    const files = fakeNodeFiles(hardened, hard1);
    await writeFile(file("encryption-config.yaml"), text(fileAt(files, ENCRYPTION_CONFIG)), { mode: 0o600 });
    await writeFile(file("audit-policy.yaml"), text(fileAt(files, AUDIT_POLICY)));
    const sa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    await writeFile(file("sa.key"), sa.privateKey.export({ type: "pkcs1", format: "pem" }));
    await writeFile(file("sa.pub"), sa.publicKey.export({ type: "spki", format: "pem" }));

    const [client, peer] = [await freePort(), await freePort()];
    etcdUrl = `http://127.0.0.1:${client}`;
    processes.push(
      execa(artifactBin("etcd"), [
        `--data-dir=${file("etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=default=http://127.0.0.1:${peer}`,
      ], { reject: false, all: true }),
    );

    // The lab's hardening flags as rendered, their node paths mapped to this folder.
    const local: Record<string, string> = { [ENCRYPTION_CONFIG]: file("encryption-config.yaml"), [AUDIT_POLICY]: file("audit-policy.yaml"), "/var/log/kubernetes/audit.log": file("audit/audit.log") };
    const hardening = apiServerFlags(hardened, hard1)
      .filter(([n]) => HARDENING_FLAGS.includes(n))
      .map(([n, v]): Flag => [n, typeof v === "string" ? (local[v] ?? v) : v]);
    apiPort = await freePort();
    processes.push(
      execa(
        artifactBin("kube-apiserver"),
        [
          ...([
            ["etcd-servers", etcdUrl],
            ["bind-address", "127.0.0.1"],
            ["advertise-address", "127.0.0.1"],
            ["secure-port", String(apiPort)],
            ["insecure-port", "0"],
            ["authorization-mode", "Node,RBAC"],
            ["client-ca-file", file("pki/ca.crt")],
            ["tls-cert-file", file("pki/kube-apiserver.crt")],
            ["tls-private-key-file", file("pki/kube-apiserver.key")],
            ["service-account-issuer", "https://kubernetes.default.svc.cluster.local"],
            ["service-account-key-file", file("sa.pub")],
            ["service-account-signing-key-file", file("sa.key")],
            ["service-cluster-ip-range", hardened.network.serviceCidr],
          ] as Flag[]).map(renderFlag),
          ...hardening.map(renderFlag),
        ],
        { reject: false, all: true },
      ),
    );
    for (let i = 0; i < 300; i++) {
      const ready = await kubectl(file("admin.kubeconfig"), ["get", "--raw", "/readyz"]);
      if (ready.stdout === "ok") return;
      const exited = processes.find((p) => p.exitCode !== null);
      if (exited) throw new Error(`a process exited: ${(await exited).all}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("kube-apiserver did not become ready");
  }, 120_000);

  afterAll(async () => {
    for (const p of processes.reverse()) p.kill();
    await Promise.all(processes.map((p) => p.catch(() => undefined)));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("kubectl reads the bootstrap kubeconfig: the lab's CA, its server, the token held", async () => {
    const view = await execa(artifactBin("kubectl"), ["config", "view", `--kubeconfig=${file("bootstrap.kubeconfig")}`, "-o", "json"]);
    expect(JSON.parse(view.stdout)).toMatchObject({
      clusters: [{ name: "hardened-single", cluster: { server: "https://172.30.0.10:6443", "certificate-authority-data": "DATA+OMITTED" } }],
      users: [{ name: "kubelet-bootstrap", user: { token: "REDACTED" } }],
    });
  });

  it("kubectl presents the token as a bearer token to a server holding the lab's API certificate", async () => {
    const api = pki.get("kube-apiserver");
    const server = createHttpsServer({ cert: api.certPem, key: api.keyPem }, (req, res) => res.end(JSON.stringify({ authorization: req.headers.authorization ?? null })));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as AddressInfo;
      const r = await execa(artifactBin("kubectl"), [`--kubeconfig=${file("bootstrap.kubeconfig")}`, `--server=https://127.0.0.1:${port}`, "get", "--raw", "/whoami"], { reject: false });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ authorization: "Bearer abcdef.0123456789abcdef" });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("kube-apiserver refuses requests without credentials (401) and TLS 1.1", async () => {
    const anonymous = await execa("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", file("pki/ca.crt"), `https://127.0.0.1:${apiPort}/version`], { reject: false });
    expect(anonymous.stdout).toBe("401");
    const tls11 = await execa("openssl", ["s_client", "-connect", `127.0.0.1:${apiPort}`, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], { input: "", reject: false });
    expect(`${tls11.stdout}${tls11.stderr}`).toMatch(/alert protocol version/);
    const tls12 = await execa("openssl", ["s_client", "-connect", `127.0.0.1:${apiPort}`, "-tls1_2", "-cipher", "AES128-GCM-SHA256"], { input: "", reject: false });
    expect(`${tls12.stdout}${tls12.stderr}`).toMatch(/alert handshake failure/);
  });

  it("accepts the lab's bootstrap token once its Secret is in: its user may ask for certificates", async () => {
    const before = await kubectl(file("bootstrap.kubeconfig"), ["auth", "can-i", "create", "certificatesigningrequests"]);
    expect(`${before.stdout}${before.stderr}`).toMatch(/Unauthorized/);
    const objects = [bootstrapTokenSecret(hardened, FAKE_SECRETS.bootstrapToken, new Date(Date.now() + 3_600_000)), ...bootstrapBindings()];
    const applied = await kubectl(file("admin.kubeconfig"), ["apply", "-f", "-"], objects.map((o) => stringify(o)).join("---\n"));
    expect(applied.exitCode, applied.stderr).toBe(0);
    const after = await kubectl(file("bootstrap.kubeconfig"), ["auth", "can-i", "create", "certificatesigningrequests"]);
    expect(after.stdout.trim(), after.stderr).toBe("yes");
    const nodes = await kubectl(file("bootstrap.kubeconfig"), ["auth", "can-i", "list", "secrets"]);
    expect(nodes.stdout.trim()).toBe("no");
  });

  it("stores a Secret encrypted in etcd, and audits its creation without its value", async () => {
    const value = "kubelab-hardened-render-test";
    const created = await kubectl(file("admin.kubeconfig"), ["create", "secret", "generic", "at-rest", `--from-literal=value=${value}`]);
    expect(created.exitCode, created.stderr).toBe(0);
    const raw = await execa(artifactBin("etcdctl"), [`--endpoints=${etcdUrl}`, "get", "/registry/secrets/default/at-rest", "--print-value-only"], { encoding: "buffer" });
    const stored = Buffer.from(raw.stdout);
    expect(stored.subarray(0, ENCRYPTED_VALUE_PREFIX.length).toString()).toBe(ENCRYPTED_VALUE_PREFIX);
    expect(stored.includes(value)).toBe(false);
    const back = await kubectl(file("admin.kubeconfig"), ["get", "secret", "at-rest", "-o", "jsonpath={.data.value}"]);
    expect(Buffer.from(back.stdout, "base64").toString()).toBe(value);

    const log = await readFile(file("audit/audit.log"), "utf8");
    const events = log.trim().split("\n").map((l) => JSON.parse(l) as { level: string; verb: string; objectRef?: { resource?: string; name?: string }; requestObject?: unknown; stage: string });
    const create = events.find((e) => e.verb === "create" && e.objectRef?.resource === "secrets" && e.objectRef.name === "at-rest");
    expect(create).toMatchObject({ level: "Metadata", stage: "ResponseComplete" });
    expect(create!.requestObject).toBeUndefined();
    expect(log).not.toContain(value);
    expect(events.every((e) => e.stage !== "RequestReceived")).toBe(true);
  });
});
