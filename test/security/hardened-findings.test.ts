/**
 * The security audit of a hardened lab (labs/hardened-single.yaml): it passes a node set up as the
 * lab asks, says what it saw (anonymous auth off, bootstrap tokens, encryption at rest, the audit
 * log, the TLS minimum, TLS bootstrapping with rotation), and names each setting the lab asks for
 * that the running components lack, with its fix; a kubelet's own key files count as secrets.
 */
import { describe, expect, it } from "vitest";
import { nodeFactsScript, parseNodeFacts, type NodeFacts } from "../../src/security/node-facts.js";
import { securityFindings } from "../../src/security/security-findings.js";
import { coreosSystemdPlan, hardenedSinglePlan } from "../render/lab-fixtures.js";

const plan = hardenedSinglePlan();
const node = plan.nodes[0]!;

/** A hardened node as kubelab sets it up. */
const sound = (over: { apiServer?: Record<string, string | undefined>; kubelet?: Record<string, string | undefined>; config?: Record<string, unknown> } = {}): NodeFacts => ({
  modes: {
    "/etc/kubernetes/pki/ca.key": "600",
    "/etc/kubernetes/bootstrap-kubelet.kubeconfig": "600",
    "/etc/kubernetes/encryption-config.yaml": "600",
    "/var/lib/kubelet/pki/kubelet-client-current.pem": "600",
  },
  etcdDataDirMode: "700",
  apiServerFlags: Object.fromEntries(
    Object.entries({
      "authorization-mode": "Node,RBAC",
      "enable-admission-plugins": "NodeRestriction",
      "client-ca-file": "/etc/kubernetes/pki/ca.crt",
      "etcd-servers": "https://172.30.0.10:2379",
      "etcd-cafile": "a",
      "etcd-certfile": "b",
      "etcd-keyfile": "c",
      "anonymous-auth": "false",
      "enable-bootstrap-token-auth": "true",
      "encryption-provider-config": "/etc/kubernetes/encryption-config.yaml",
      "audit-policy-file": "/etc/kubernetes/audit-policy.yaml",
      "audit-log-path": "/var/log/kubernetes/audit.log",
      "tls-min-version": "VersionTLS12",
      ...over.apiServer,
    }).filter((e): e is [string, string] => e[1] !== undefined),
  ),
  kubeletFlags: Object.fromEntries(
    Object.entries({ config: "/etc/kubernetes/kubelet-config.yaml", "bootstrap-kubeconfig": "/etc/kubernetes/bootstrap-kubelet.kubeconfig", ...over.kubelet }).filter(
      (e): e is [string, string] => e[1] !== undefined,
    ),
  ),
  kubeletConfig: { authentication: { anonymous: { enabled: false } }, authorization: { mode: "Webhook" }, rotateCertificates: true, ...over.config },
});

const failures = (facts: NodeFacts) =>
  securityFindings(plan, node, facts)
    .filter((f) => f.status === "fail")
    .map((f) => [f.check, f.saw, f.hint]);

describe("securityFindings of a hardened lab", () => {
  it("passes the node as the lab sets it up, saying what it saw", () => {
    const findings = securityFindings(plan, node, sound());
    expect(findings.map((f) => [f.check, f.status, f.saw])).toEqual([
      ["security-file-modes", "pass", "4 keys, kubeconfigs and other secret files, all 0600"],
      ["security-etcd-data-dir", "pass", "/var/lib/etcd is 0700"],
      ["security-ca-keys", "pass", "ca.key only (the controller manager signs the kubelets' certificate signing requests with it)"],
      [
        "security-apiserver-flags",
        "pass",
        "Node,RBAC; NodeRestriction; client certificates; etcd over TLS with a client certificate; anonymous auth off; bootstrap tokens; Secrets encrypted at rest; an audit log; TLS 1.2 at least",
      ],
      ["security-kubelet-auth", "pass", "anonymous auth off, authorization Webhook, joined by TLS bootstrapping, client certificate rotation on"],
    ]);
  });

  it("names anonymous auth left on where the lab turns it off", () => {
    expect(failures(sound({ apiServer: { "anonymous-auth": undefined } }))).toEqual([
      ["security-apiserver-flags", "--anonymous-auth=(unset: true) though the lab turns anonymous auth off", "set --anonymous-auth=false"],
    ]);
  });

  it("names each hardening flag the running API server lacks", () => {
    const f = failures(sound({ apiServer: { "enable-bootstrap-token-auth": undefined, "encryption-provider-config": undefined, "audit-log-path": undefined, "tls-min-version": "VersionTLS10" } }));
    expect(f).toHaveLength(1);
    expect(f[0]![1]).toBe(
      [
        "--enable-bootstrap-token-auth is not set though the lab asks for bootstrap tokens",
        "--encryption-provider-config is not set though the lab asks for Secrets encrypted at rest",
        "--audit-log-path is not set though the lab asks for an audit log",
        "--tls-min-version is VersionTLS10 though the lab asks for TLS 1.2 at least",
      ].join("; "),
    );
    expect(f[0]![2]).toContain("set --tls-min-version to VersionTLS12");
  });

  it("names a kubelet that neither joined by TLS bootstrapping nor rotates its certificate", () => {
    expect(failures(sound({ kubelet: { "bootstrap-kubeconfig": undefined }, config: { rotateCertificates: false } }))).toEqual([
      [
        "security-kubelet-auth",
        "kubelet runs without --bootstrap-kubeconfig though the lab's kubelets join by TLS bootstrapping; kubelet does not rotate its client certificate",
        "set --bootstrap-kubeconfig; set rotateCertificates: true in /etc/kubernetes/kubelet-config.yaml",
      ],
    ]);
  });

  it("counts the encryption configuration and kubelet's own client key as secrets: 0644 is named", () => {
    expect(failures({ ...sound(), modes: { ...sound().modes, "/etc/kubernetes/encryption-config.yaml": "644" } })).toEqual([
      ["security-file-modes", "/etc/kubernetes/encryption-config.yaml is mode 644", "chmod 600 /etc/kubernetes/encryption-config.yaml"],
    ]);
    const script = nodeFactsScript();
    for (const path of ["/etc/kubernetes/encryption-config.yaml", "/var/lib/kubelet/kubeconfig", "/var/lib/kubelet/pki/kubelet-client-*.pem", "/etc/haproxy/healthcheck-client.pem"]) {
      expect(script).toContain(path);
    }
    // A link is stat'ed as what it points at (kubelet-client-current.pem).
    expect(script).toContain("stat -L");
    expect(parseNodeFacts("== modes\n600 /var/lib/kubelet/pki/kubelet-client-current.pem\n").modes).toEqual({ "/var/lib/kubelet/pki/kubelet-client-current.pem": "600" });
  });

  it("leaves a lab without hardening as it was: anonymous auth reported as on, nothing more asked", () => {
    const plain = coreosSystemdPlan();
    const { "anonymous-auth": _, "enable-bootstrap-token-auth": __, "encryption-provider-config": ___, "audit-log-path": ____, "tls-min-version": _____, ...flags } = sound().apiServerFlags!;
    const findings = securityFindings(plain, plain.nodes[0]!, { ...sound(), apiServerFlags: flags, kubeletFlags: { config: "x" }, kubeletConfig: { authentication: { anonymous: { enabled: false } }, authorization: { mode: "Webhook" } } });
    expect(findings.every((f) => f.status === "pass")).toBe(true);
    expect(findings.find((f) => f.check === "security-apiserver-flags")!.saw).toBe(
      "Node,RBAC; NodeRestriction; client certificates; etcd over TLS with a client certificate; anonymous auth on (as the lab has it)",
    );
    expect(findings.find((f) => f.check === "security-ca-keys")!.saw).toBe("ca.key only (the controller manager signs with it)");
  });
});
