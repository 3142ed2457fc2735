/**
 * The security audit's rules, as a pure function of the plan, a node and its facts: each finding
 * names the file or flag and the fix.
 *
 * - private keys, kubeconfigs and the other secret files 0600; the etcd data directory 0700;
 * - the cluster CA's key only on control plane nodes (the controller manager signs with it), and
 *   no other CA key on any node;
 * - kube-apiserver: authorization Node,RBAC; the NodeRestriction admission plugin; client
 *   certificates (client-ca-file); etcd over TLS with a client certificate; anonymous auth off
 *   where the lab turns it off (else reported as on); and the rest of the lab's hardening as it
 *   asks for it: bootstrap tokens, encryption at rest, the audit log, the TLS minimum version;
 * - kubelet: anonymous auth off and webhook authorization; with TLS bootstrapping, joining with
 *   the bootstrap kubeconfig and rotating its client certificate.
 */
import type { Plan, PlannedNode } from "../plan/plan.js";
import type { CheckResult } from "../pipeline/events.js";
import { ETCD_DATA_DIR, KUBELET_CONFIG, PKI_DIR } from "../render/node-layout.js";
import { SECRET_FILES, type NodeFacts } from "./node-facts.js";

/** A finding before it is timed. */
export type Finding = Omit<CheckResult, "durationMs">;

function finding(check: string, title: string, node: string, ran: string, problems: { saw: string; fix: string }[], ok: string): Finding {
  if (problems.length === 0) return { check, title, node, status: "pass", ran, saw: ok };
  return {
    check,
    title,
    node,
    status: "fail",
    ran,
    saw: problems.map((p) => p.saw).join("; "),
    reason: problems.map((p) => p.saw).join("; "),
    hint: problems.map((p) => p.fix).join("; "),
  };
}

function fileModes(node: PlannedNode, facts: NodeFacts): Finding {
  const entries = Object.entries(facts.modes);
  const problems = entries.filter(([, mode]) => mode !== "600").map(([path, mode]) => ({ saw: `${path} is mode ${mode}`, fix: `chmod 600 ${path}` }));
  return finding("security-file-modes", "private keys and kubeconfigs are 0600", node.name, `stat -L -c '%a %n' ${SECRET_FILES.join(" ")}`, problems, `${entries.length} keys, kubeconfigs and other secret files, all 0600`);
}

function etcdDataDir(node: PlannedNode, facts: NodeFacts): Finding | undefined {
  if (!node.etcd) return undefined;
  const mode = facts.etcdDataDirMode;
  const problems =
    mode === "700"
      ? []
      : [{ saw: mode ? `${ETCD_DATA_DIR} is mode ${mode}` : `${ETCD_DATA_DIR} does not exist`, fix: mode ? `chmod 700 ${ETCD_DATA_DIR}` : `start etcd on ${node.name} (lab up)` }];
  return finding("security-etcd-data-dir", "the etcd data directory is 0700", node.name, `stat -c '%a' ${ETCD_DATA_DIR}`, problems, `${ETCD_DATA_DIR} is 0700`);
}

function caKeys(plan: Plan, node: PlannedNode, facts: NodeFacts): Finding {
  const keys = Object.keys(facts.modes).filter((p) => p.startsWith(`${PKI_DIR}/`) && /ca\.key$/.test(p));
  const problems = keys.flatMap((path) => {
    const name = path.slice(PKI_DIR.length + 1);
    if (name === "ca.key" && node.controlPlane) return [];
    const why = name === "ca.key" ? "only the controller manager signs with the cluster CA's key, and it runs on control plane nodes" : "nothing in the lab signs with it once the certificates are made";
    return [{ saw: `${path} is on ${node.name}`, fix: `remove ${path} from ${node.name} (${why})` }];
  });
  const signs = plan.security.kubeletBootstrap === "token" ? "the controller manager signs the kubelets' certificate signing requests with it" : "the controller manager signs with it";
  return finding("security-ca-keys", "CA keys only where something signs with them", node.name, `ls ${PKI_DIR}/*ca.key`, problems, node.controlPlane ? `ca.key only (${signs})` : "no CA key");
}

function apiServer(plan: Plan, node: PlannedNode, facts: NodeFacts): Finding | undefined {
  if (!node.controlPlane) return undefined;
  const f = facts.apiServerFlags;
  const ran = "tr '\\0' ' ' < /proc/$(pgrep -xo kube-apiserver)/cmdline";
  if (!f) return finding("security-apiserver-flags", "kube-apiserver is locked down", node.name, ran, [{ saw: "kube-apiserver is not running", fix: `lab logs ${plan.labName} ${node.name} kubelet` }], "");
  const problems: { saw: string; fix: string }[] = [];
  const modes = (f["authorization-mode"] ?? "AlwaysAllow").split(",");
  if (!modes.includes("Node") || !modes.includes("RBAC")) problems.push({ saw: `--authorization-mode=${f["authorization-mode"] ?? "(unset: AlwaysAllow)"}`, fix: "set --authorization-mode=Node,RBAC" });
  if (!(f["enable-admission-plugins"] ?? "").split(",").includes("NodeRestriction")) problems.push({ saw: `--enable-admission-plugins=${f["enable-admission-plugins"] ?? "(unset)"} lacks NodeRestriction`, fix: "add NodeRestriction to --enable-admission-plugins" });
  if (!f["client-ca-file"]) problems.push({ saw: "--client-ca-file is not set (no client certificates)", fix: `set --client-ca-file=${PKI_DIR}/ca.crt` });
  const plain = (f["etcd-servers"] ?? "").split(",").filter((u) => u && !u.startsWith("https://"));
  if (plain.length) problems.push({ saw: `--etcd-servers has plain HTTP ${plain.join(",")}`, fix: "reach etcd over https:// only" });
  for (const flag of ["etcd-cafile", "etcd-certfile", "etcd-keyfile"]) {
    if (!f[flag]) problems.push({ saw: `--${flag} is not set`, fix: `set --${flag} (etcd over TLS with a client certificate)` });
  }
  // Anonymous auth must be off where the lab turns it off; where the lab leaves it on, what runs is
  // reported as seen.
  const { security } = plan;
  if (!security.apiAnonymousAuth && f["anonymous-auth"] !== "false") {
    problems.push({ saw: `--anonymous-auth=${f["anonymous-auth"] ?? "(unset: true)"} though the lab turns anonymous auth off`, fix: "set --anonymous-auth=false" });
  }
  const anonymous = f["anonymous-auth"] === "false" ? "anonymous auth off" : "anonymous auth on (as the lab has it)";
  const hardening = [
    ...(security.kubeletBootstrap === "token" ? [{ flag: "enable-bootstrap-token-auth", ok: f["enable-bootstrap-token-auth"] === "true", want: "true", seen: "bootstrap tokens" }] : []),
    ...(security.encryptionAtRest === "aescbc" ? [{ flag: "encryption-provider-config", ok: Boolean(f["encryption-provider-config"]), want: "the lab's encryption configuration", seen: "Secrets encrypted at rest" }] : []),
    ...(security.audit ? [{ flag: "audit-log-path", ok: Boolean(f["audit-log-path"] && f["audit-policy-file"]), want: "the lab's audit log (with --audit-policy-file)", seen: "an audit log" }] : []),
    ...(security.tlsMinVersion ? [{ flag: "tls-min-version", ok: f["tls-min-version"] === security.tlsMinVersion, want: security.tlsMinVersion, seen: `TLS ${security.tlsMinVersion.replace("VersionTLS1", "1.")} at least` }] : []),
  ];
  for (const h of hardening.filter((x) => !x.ok)) problems.push({ saw: `--${h.flag} is ${f[h.flag] ?? "not set"} though the lab asks for ${h.seen}`, fix: `set --${h.flag} to ${h.want}` });
  const seen = ["Node,RBAC", "NodeRestriction", "client certificates", "etcd over TLS with a client certificate", anonymous, ...hardening.map((h) => h.seen)];
  return finding("security-apiserver-flags", "kube-apiserver is locked down", node.name, ran, problems, seen.join("; "));
}

function kubelet(plan: Plan, node: PlannedNode, facts: NodeFacts): Finding | undefined {
  if (!node.kubelet) return undefined;
  const ran = `cat ${KUBELET_CONFIG}; tr '\\0' ' ' < /proc/$(pgrep -xo kubelet)/cmdline`;
  const config = facts.kubeletConfig as { authentication?: { anonymous?: { enabled?: boolean } }; authorization?: { mode?: string }; rotateCertificates?: boolean } | undefined;
  const flags = facts.kubeletFlags ?? {};
  const problems: { saw: string; fix: string }[] = [];
  const anonymous = flags["anonymous-auth"] ?? String(config?.authentication?.anonymous?.enabled ?? true);
  if (anonymous !== "false") problems.push({ saw: `kubelet anonymous auth is on (${flags["anonymous-auth"] !== undefined ? "--anonymous-auth" : `${KUBELET_CONFIG} authentication.anonymous.enabled`})`, fix: `set authentication.anonymous.enabled: false in ${KUBELET_CONFIG}` });
  const mode = flags["authorization-mode"] ?? config?.authorization?.mode ?? "AlwaysAllow";
  if (mode !== "Webhook") problems.push({ saw: `kubelet authorization mode is ${mode}`, fix: `set authorization.mode: Webhook in ${KUBELET_CONFIG}` });
  const tlsBootstrap = plan.security.kubeletBootstrap === "token";
  if (tlsBootstrap) {
    if (!flags["bootstrap-kubeconfig"]) problems.push({ saw: "kubelet runs without --bootstrap-kubeconfig though the lab's kubelets join by TLS bootstrapping", fix: "set --bootstrap-kubeconfig" });
    if (config?.rotateCertificates !== true) problems.push({ saw: "kubelet does not rotate its client certificate", fix: `set rotateCertificates: true in ${KUBELET_CONFIG}` });
  }
  return finding("security-kubelet-auth", "kubelet refuses anonymous requests and asks the API server", node.name, ran, problems, `anonymous auth off, authorization Webhook${tlsBootstrap ? ", joined by TLS bootstrapping, client certificate rotation on" : ""}`);
}

/** Every finding for one node. */
export function securityFindings(plan: Plan, node: PlannedNode, facts: NodeFacts): Finding[] {
  return [fileModes(node, facts), etcdDataDir(node, facts), caKeys(plan, node, facts), apiServer(plan, node, facts), kubelet(plan, node, facts)].filter(
    (f): f is Finding => f !== undefined,
  );
}
