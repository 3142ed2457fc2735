/**
 * End to end, against the real Docker engine with real Kubernetes binaries: labs/hardened-single.yaml
 * (one node; TLS bootstrapping, Secrets encrypted at rest, an audit log rotated at 1 MB, anonymous
 * auth off, TLS 1.2 with the guide's cipher suites) comes up with every check that can run here
 * green, and each hardening property is shown with the commands a person would type: the kubelet's
 * certificate signing request approved by the controller manager and its certificate issued by the
 * lab's CA (and a renewal as rotation asks for it approved too); a Secret read raw from etcd,
 * encrypted; the audit log rotated by audited traffic; 401 for requests without credentials from
 * the API server and kubelet; TLS 1.1 and other cipher suites refused, by the host's openssl;
 * kubectl logs and exec through kubelet's webhook authorization; `lab verify --security` passing.
 * It comes up again unchanged with its checks only, stops and starts with the kubelet's
 * certificate kept, exports without a secret, and `lab down` leaves nothing.
 */
import { X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLBOX_IMAGE } from "../../src/images/image-names.js";
import type { CheckResult } from "../../src/pipeline/events.js";
import { exec } from "../../src/pipeline/node-commands.js";
import { tarEntries } from "../bundle/tar-entries.js";
import { e2eSkipReason, importTestArtifacts, isolatedEnv, jsonLines, lab, labContext, labelled, labFileCopy, type CliResult } from "./support.js";
import { scratchDir } from "../scratch-dir.js";

const NAME = "hardened-e2e";
const NODE = "hard1";
const KUBECTL = "kubectl --kubeconfig=/etc/kubernetes/admin.kubeconfig";
const skip = await e2eSkipReason("hardened-single");

/** The check results of a `--json` run. */
function checksOf(stdout: string): CheckResult[] {
  return jsonLines(stdout)
    .filter((e) => e.type === "check")
    .map((e) => e.result as CheckResult);
}

/** The dns check passed, or said why it could not run (no CoreDNS image here): never silently green. */
function expectDnsPassesOrSaysWhyNot(results: CheckResult[]): void {
  const dns = results.filter((r) => r.check === "dns");
  expect(dns.length).toBeGreaterThan(0);
  if (dns.every((r) => r.status === "pass")) return;
  const notRun = dns.filter((r) => r.status !== "pass");
  expect(notRun.map((r) => r.status)).toEqual(["not-run"]);
  expect(notRun[0]!.reason).toMatch(/the CoreDNS image \S+ is not in the nodes and cannot be pulled here/);
}

describe.skipIf(skip)("hardened-single on Docker", () => {
  let env: NodeJS.ProcessEnv;
  let file: string;
  let up: CliResult;
  let ip: string;
  const stateDir = (): string => join(env.KUBELAB_HOME!, "labs", NAME);
  /** Runs a shell script in the node; its output, whatever the exit code. */
  const inNode = async (script: string, stdin?: string): Promise<{ exitCode: number; stdout: string; stderr: string }> =>
    exec(await labContext(NAME, env), NODE, ["sh", "-c", script], stdin);
  /** The host's openssl s_client against the node: its output, whatever the exit code. */
  const sClient = async (port: number, args: string[]): Promise<string> => {
    const r = await execa("openssl", ["s_client", "-connect", `${ip}:${port}`, "-CAfile", join(stateDir(), "pki", "ca.crt"), ...args], {
      input: "",
      reject: false,
      timeout: 20_000,
    });
    return `${r.stdout}\n${r.stderr}`;
  };

  beforeAll(async () => {
    env = await isolatedEnv();
    file = await labFileCopy("hardened-single", NAME);
    await importTestArtifacts(env);
    up = await lab(["up", file, "--json"], env);
    ip = (await labContext(NAME, env)).plan.nodes[0]!.ip;
  }, 240_000);

  afterAll(async () => {
    // Whatever happened above, leave nothing behind.
    if (env) await lab(["down", NAME], env);
  }, 60_000);

  it("comes up with every check that can run here green, the kubelet started after its bootstrap token", () => {
    expect(up.exitCode, up.all).toBe(0);
    const events = jsonLines(up.stdout);
    const end = events.at(-1) as { type: string; status: string; durationMs: number };
    expect(end).toMatchObject({ type: "run-end", status: "ok" });
    expect((events[0] as { steps: { id: string }[] }).steps.map((s) => s.id)).toEqual([
      "artifacts", "node-image", "nodes", "pki", "files", "etcd", "control-plane", "overlay", "bootstrap-token", "kubelet", "pod-network", "addons", "checks",
    ]);
    const checks = checksOf(up.stdout);
    expect([...new Set(checks.map((c) => c.check))].sort()).toEqual([
      "anonymous-auth", "apiserver-health", "audit-log", "cluster-info", "cluster-ip-service", "component-statuses", "dns", "encryption-at-rest",
      "etcd-health", "etcd-version", "nodes-ready", "pod-logs", "tls-bootstrap", "tls-policy",
    ]);
    for (const c of checks.filter((x) => x.check !== "dns")) expect(c.status, `${c.check}: ${c.saw}`).toBe("pass");
    expectDnsPassesOrSaysWhyNot(checks);
    // The API server refuses anonymous requests: its health was read with the health-check certificate.
    expect(checks.find((c) => c.check === "apiserver-health")!.ran).toContain("--cert /etc/kubernetes/pki/apiserver-healthcheck-client.crt");
    console.info(`  lab up ${NAME}: ${(end.durationMs / 1000).toFixed(1)}s to every check that can run here green`);
  });

  it("joined its kubelet by TLS bootstrapping: the CSR approved by the controller manager, the certificate issued by the lab's CA", async () => {
    const token = (await readFile(join(stateDir(), "secrets", "bootstrap-token"), "utf8")).trim();
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(((await stat(join(stateDir(), "secrets", "bootstrap-token"))).mode & 0o777).toString(8)).toBe("600");
    const csrs = JSON.parse((await inNode(`${KUBECTL} get csr -o json`)).stdout) as {
      items: { spec: { username: string; signerName: string; usages: string[] }; status: { conditions?: { type: string; reason: string }[]; certificate?: string } }[];
    };
    const first = csrs.items.find((c) => c.spec.username === `system:bootstrap:${token.split(".")[0]}`);
    expect(first, JSON.stringify(csrs.items.map((c) => c.spec.username))).toBeDefined();
    expect(first!.spec.signerName).toBe("kubernetes.io/kube-apiserver-client-kubelet");
    expect(first!.status.conditions).toContainEqual(expect.objectContaining({ type: "Approved", reason: "AutoApproved" }));
    const issued = Buffer.from(first!.status.certificate!, "base64").toString("utf8");
    const verified = await execa("openssl", ["verify", "-CAfile", join(stateDir(), "pki", "ca.crt")], { input: issued, reject: false });
    expect(verified.stdout).toMatch(/: OK$/);
    const subject = await execa("openssl", ["x509", "-noout", "-subject", "-ext", "extendedKeyUsage"], { input: issued });
    expect(subject.stdout).toMatch(/subject=O = system:nodes, CN = system:node:hard1/);
    expect(subject.stdout).toContain("TLS Web Client Authentication");

    // kubelet runs with that very certificate, wrote its own kubeconfig, and has none from kubelab.
    const current = await inNode("sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' /var/lib/kubelet/pki/kubelet-client-current.pem; ls /etc/kubernetes");
    expect(new X509Certificate(current.stdout).fingerprint256).toBe(new X509Certificate(issued).fingerprint256);
    const kubeDir = current.stdout.slice(current.stdout.indexOf("-----END CERTIFICATE-----")).split("\n").slice(1);
    expect(kubeDir).toContain("bootstrap-kubelet.kubeconfig");
    expect(kubeDir).not.toContain("kubelet.kubeconfig");
    // kubelab's kubelet certificate only serves.
    const serving = await execa("openssl", ["x509", "-noout", "-ext", "extendedKeyUsage", "-in", join(stateDir(), "pki", `kubelet-${NODE}.crt`)]);
    expect(serving.stdout).toContain("TLS Web Server Authentication");
    expect(serving.stdout).not.toContain("Client");
  });

  it("approves a renewal asked for by the node itself, as certificate rotation does", async () => {
    const dir = await scratchDir("kubelab-rotation-");
    await execa("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "node.key"), "-subj", `/O=system:nodes/CN=system:node:${NODE}`, "-out", join(dir, "node.csr")]);
    const request = (await readFile(join(dir, "node.csr"))).toString("base64");
    const csr = [
      "apiVersion: certificates.k8s.io/v1",
      "kind: CertificateSigningRequest",
      "metadata: {name: kubelab-e2e-rotation}",
      "spec:",
      "  signerName: kubernetes.io/kube-apiserver-client-kubelet",
      "  usages: [digital signature, key encipherment, client auth]",
      `  request: ${request}`,
      "",
    ].join("\n");
    // As the node: with the kubeconfig kubelet wrote for its bootstrapped certificate.
    const created = await inNode("kubectl --kubeconfig=/var/lib/kubelet/kubeconfig create -f -", csr);
    expect(created.exitCode, created.stderr).toBe(0);
    let issued = "";
    for (let i = 0; i < 40 && !issued; i++) {
      issued = (await inNode(`${KUBECTL} get csr kubelab-e2e-rotation -o jsonpath='{.status.certificate}'`)).stdout.trim();
      if (!issued) await new Promise((r) => setTimeout(r, 250));
    }
    expect(issued, "the controller manager did not sign the node's renewal").not.toBe("");
    const got = await inNode(`${KUBECTL} get csr kubelab-e2e-rotation -o jsonpath='{.spec.username} {.status.conditions[0].type}'`);
    expect(got.stdout).toBe(`system:node:${NODE} Approved`);
    const cert = new X509Certificate(Buffer.from(issued, "base64"));
    expect(cert.subject).toBe(`O=system:nodes\nCN=system:node:${NODE}`);
    expect(cert.checkIssued(new X509Certificate(await readFile(join(stateDir(), "pki", "ca.crt"))))).toBe(true);
    // kubelet has rotation on.
    expect((await inNode("grep -x 'rotateCertificates: true' /etc/kubernetes/kubelet-config.yaml")).exitCode).toBe(0);
    await inNode(`${KUBECTL} delete csr kubelab-e2e-rotation`);
  });

  it("stores Secrets encrypted: read raw from etcd, the aescbc prefix and not the value; the API reads it back", async () => {
    const value = `hardened-e2e-${Date.now()}`;
    expect((await inNode(`${KUBECTL} create secret generic e2e-at-rest --from-literal=value=${value}`)).exitCode).toBe(0);
    const etcdctl =
      "etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd-ca.crt --cert=/etc/kubernetes/pki/etcd-healthcheck-client.crt " +
      "--key=/etc/kubernetes/pki/etcd-healthcheck-client.key get /registry/secrets/default/e2e-at-rest --print-value-only";
    const raw = await inNode(`${etcdctl} | od -An -c | tr -s ' ' | tr -d '\\n'`);
    expect(raw.stdout.replace(/ /g, "")).toMatch(/^k8s:enc:aescbc:v1:key1:/);
    expect((await inNode(`${etcdctl} | grep -c ${value}`)).stdout.trim()).toBe("0");
    const back = await inNode(`${KUBECTL} get secret e2e-at-rest -o jsonpath='{.data.value}' | base64 -d`);
    expect(back.stdout).toBe(value);
    const config = await inNode("stat -c '%a' /etc/kubernetes/encryption-config.yaml");
    expect(config.stdout.trim()).toBe("600");
    await inNode(`${KUBECTL} delete secret e2e-at-rest`);
  });

  it("writes the audit log as JSON events and rotates it at 1 MB, keeping at most 3", async () => {
    const list = async (): Promise<string[]> => (await inNode("ls /var/log/kubernetes")).stdout.trim().split("\n");
    const before = await list();
    expect(before).toContain("audit.log");
    // 3000 audited requests on one connection (the health-check user, who may list nothing: 403,
    // recorded at Metadata level), some 3 MB of events.
    const traffic = await inNode(
      "curl -s -o /dev/null --cacert /etc/kubernetes/pki/ca.crt --cert /etc/kubernetes/pki/apiserver-healthcheck-client.crt " +
        "--key /etc/kubernetes/pki/apiserver-healthcheck-client.key -w '%{http_code}\\n' 'https://127.0.0.1:6443/api/v1/namespaces/default/configmaps?e2e=[1-3000]' | sort | uniq -c",
    );
    expect(traffic.stdout.trim()).toMatch(/^3000 403$/);
    const after = await list();
    const rotated = after.filter((f) => /^audit-.*\.log$/.test(f));
    expect(rotated.filter((f) => !before.includes(f)).length, after.join(" ")).toBeGreaterThan(0);
    expect(rotated.length).toBeLessThanOrEqual(3);
    const sizes = await inNode("stat -c '%s %n' /var/log/kubernetes/*.log");
    for (const line of sizes.stdout.trim().split("\n")) expect(Number(line.split(" ")[0]), line).toBeLessThanOrEqual(1024 * 1024);
    const last = JSON.parse((await inNode("grep -h 'e2e=3000' /var/log/kubernetes/audit*.log | tail -n 1")).stdout) as Record<string, unknown>;
    expect(last).toMatchObject({ kind: "Event", level: "Metadata", verb: "list", user: { username: "kubelab-healthcheck" }, responseStatus: { code: 403 } });
  });

  it("refuses requests without credentials: 401 from the API server and from kubelet", async () => {
    for (const url of [`https://${ip}:6443/version`, `https://${ip}:10250/pods`]) {
      const r = await execa("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", join(stateDir(), "pki", "ca.crt"), url], { reject: false });
      expect(r.stdout, url).toBe("401");
    }
    // kubelab's health-check certificate reads health and nothing else.
    const cert = ["--cacert", join(stateDir(), "pki", "ca.crt"), "--cert", join(stateDir(), "pki", "apiserver-healthcheck-client.crt"), "--key", join(stateDir(), "pki", "apiserver-healthcheck-client.key")];
    const healthz = await execa("curl", ["-sS", ...cert, `https://${ip}:6443/healthz`], { reject: false });
    expect(healthz.stdout).toBe("ok");
    const secrets = await execa("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", ...cert, `https://${ip}:6443/api/v1/secrets`], { reject: false });
    expect(secrets.stdout).toBe("403");
  });

  it("keeps to TLS 1.2 and the guide's cipher suites, by the host's openssl s_client", async () => {
    for (const port of [6443, 10250]) {
      expect(await sClient(port, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]), `${port} TLS 1.1`).toMatch(/alert protocol version/);
      const good = await sClient(port, ["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"]);
      expect(good, `${port} listed cipher`).toMatch(/Protocol\s*: TLSv1\.2/);
      expect(good).toMatch(/Cipher\s*: ECDHE-RSA-AES256-GCM-SHA384/);
      expect(good).toMatch(/Verify return code: 0 \(ok\)/);
      expect(await sClient(port, ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256"]), `${port} other ciphers`).toMatch(/alert handshake failure/);
    }
    // etcd serves the same suites.
    expect(await sClient(2379, ["-tls1_2", "-cipher", "AES128-GCM-SHA256"])).toMatch(/alert handshake failure/);
  });

  it("lets kubectl logs and exec through to kubelet (webhook authorization)", async () => {
    const run = await inNode(
      `${KUBECTL} run e2e-exec --image=${TOOLBOX_IMAGE} ` +
        "--image-pull-policy=IfNotPresent --restart=Never --command -- sh -c 'echo started; sleep 300' && " +
        `${KUBECTL} wait --for=condition=Ready pod/e2e-exec --timeout=60s`,
    );
    expect(run.exitCode, `${run.stdout}${run.stderr}`).toBe(0);
    try {
      expect((await inNode(`${KUBECTL} exec e2e-exec -- echo exec-ok`)).stdout.trim()).toBe("exec-ok");
      expect((await inNode(`${KUBECTL} logs e2e-exec`)).stdout.trim()).toBe("started");
    } finally {
      await inNode(`${KUBECTL} delete pod e2e-exec --grace-period=0 --wait=false`);
    }
  });

  it("passes lab verify --security", async () => {
    const r = await lab(["verify", NAME, "--security", "--json"], env);
    expect(r.exitCode, r.all).toBe(0);
    const security = checksOf(r.stdout).filter((c) => c.check.startsWith("security-"));
    expect(security.map((c) => [c.check, c.status])).toEqual([
      ["security-file-modes", "pass"],
      ["security-etcd-data-dir", "pass"],
      ["security-ca-keys", "pass"],
      ["security-apiserver-flags", "pass"],
      ["security-kubelet-auth", "pass"],
    ]);
    expect(security.find((c) => c.check === "security-apiserver-flags")!.saw).toContain("anonymous auth off; bootstrap tokens; Secrets encrypted at rest; an audit log; TLS 1.2 at least");
    expect(security.find((c) => c.check === "security-kubelet-auth")!.saw).toContain("joined by TLS bootstrapping, client certificate rotation on");
  });

  it("runs its checks only when brought up again unchanged", async () => {
    const again = await lab(["up", file, "--json"], env);
    expect(again.exitCode, again.all).toBe(0);
    const events = jsonLines(again.stdout);
    expect(events[0]).toMatchObject({ type: "run-start", steps: [{ id: "checks" }] });
    expect(checksOf(again.stdout).filter((c) => c.status === "fail")).toEqual([]);
  });

  it("stops and starts back to green, its kubelet keeping the certificate it was issued", async () => {
    const certBefore = (await inNode("readlink -f /var/lib/kubelet/pki/kubelet-client-current.pem")).stdout.trim();
    expect((await lab(["stop", NAME], env)).exitCode).toBe(0);
    const start = await lab(["start", NAME, "--json"], env);
    expect(start.exitCode, start.all).toBe(0);
    expect(checksOf(start.stdout).filter((c) => c.status === "fail")).toEqual([]);
    expect((await inNode("readlink -f /var/lib/kubelet/pki/kubelet-client-current.pem")).stdout.trim()).toBe(certBefore);
  }, 180_000);

  it("exports no secret: the bootstrap token, the encryption key and their files are left out", async () => {
    const out = join(await scratchDir("kubelab-hardened-export-"), "bundle.tgz");
    const r = await lab(["export", NAME, "-o", out], env);
    expect(r.exitCode, r.all).toBe(0);
    const entries = await tarEntries(out);
    const token = (await readFile(join(stateDir(), "secrets", "bootstrap-token"), "utf8")).trim();
    const key = (await readFile(join(stateDir(), "secrets", "encryption-key"), "utf8")).trim();
    for (const [name, { content }] of entries) {
      expect(content.includes(token.split(".")[1]!), name).toBe(false);
      expect(content.includes(key), name).toBe(false);
    }
    const leftOut = (JSON.parse(entries.get("bundle.json")!.content.toString()) as { leftOut: { path: string }[] }).leftOut.map((l) => l.path);
    expect(leftOut).toEqual(
      expect.arrayContaining([
        "secrets/bootstrap-token",
        "secrets/encryption-key",
        `nodes/${NODE}/etc/kubernetes/bootstrap-kubelet.kubeconfig`,
        `nodes/${NODE}/etc/kubernetes/encryption-config.yaml`,
      ]),
    );
    expect(entries.has(`nodes/${NODE}/etc/kubernetes/audit-policy.yaml`)).toBe(true);
  });

  it("goes down leaving no container, network, volume or state", async () => {
    const r = await lab(["down", NAME], env);
    expect(r.exitCode, r.all).toBe(0);
    expect(await labelled(NAME)).toEqual({ containers: [], networks: [], volumes: [] });
    await expect(stat(stateDir())).rejects.toThrow();
  });
});
