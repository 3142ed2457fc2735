/**
 * The security audit's rules, as a pure function of the plan, a node and its facts: each finding
 * names the file or flag and the fix.
 *
 * - private keys and kubeconfigs 0600; the etcd data directory 0700;
 * - the cluster CA's key only on control plane nodes (the controller manager signs with it), and
 *   no other CA key on any node;
 * - kube-apiserver: authorization Node,RBAC; the NodeRestriction admission plugin; client
 *   certificates (client-ca-file); etcd over TLS with a client certificate; whether anonymous
 *   auth is on;
 * - kubelet: anonymous auth off and webhook authorization.
 */
import type { Plan, PlannedNode } from "../plan/plan.js";
import type { CheckResult } from "../pipeline/events.js";
import { ETCD_DATA_DIR, KUBELET_CONFIG, PKI_DIR } from "../render/node-layout.js";
import type { NodeFacts } from "./node-facts.js";

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
  return finding("security-file-modes", "private keys and kubeconfigs are 0600", node.name, "stat -c '%a %n' /etc/kubernetes/pki/*.key /etc/kubernetes/*.kubeconfig", problems, `${entries.length} keys and kubeconfigs, all 0600`);
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

function caKeys(node: PlannedNode, facts: NodeFacts): Finding {
  const keys = Object.keys(facts.modes).filter((p) => p.startsWith(`${PKI_DIR}/`) && /ca\.key$/.test(p));
  const problems = keys.flatMap((path) => {
    const name = path.slice(PKI_DIR.length + 1);
    if (name === "ca.key" && node.controlPlane) return [];
    const why = name === "ca.key" ? "only the controller manager signs with the cluster CA's key, and it runs on control plane nodes" : "nothing in the lab signs with it once the certificates are made";
    return [{ saw: `${path} is on ${node.name}`, fix: `remove ${path} from ${node.name} (${why})` }];
  });
  return finding("security-ca-keys", "CA keys only where something signs with them", node.name, `ls ${PKI_DIR}/*ca.key`, problems, node.controlPlane ? "ca.key only (the controller manager signs with it)" : "no CA key");
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
  // No lab turns the API server's anonymous auth off yet (its health checks are anonymous): what
  // runs is reported as seen.
  const anonymous = f["anonymous-auth"] === "false" ? "anonymous auth off" : "anonymous auth on (as the lab has it)";
  return finding("security-apiserver-flags", "kube-apiserver is locked down", node.name, ran, problems, `Node,RBAC; NodeRestriction; client certificates; etcd over TLS with a client certificate; ${anonymous}`);
}

function kubelet(node: PlannedNode, facts: NodeFacts): Finding | undefined {
  if (!node.kubelet) return undefined;
  const ran = `cat ${KUBELET_CONFIG}; tr '\\0' ' ' < /proc/$(pgrep -xo kubelet)/cmdline`;
  const config = facts.kubeletConfig as { authentication?: { anonymous?: { enabled?: boolean } }; authorization?: { mode?: string } } | undefined;
  const flags = facts.kubeletFlags ?? {};
  const problems: { saw: string; fix: string }[] = [];
  const anonymous = flags["anonymous-auth"] ?? String(config?.authentication?.anonymous?.enabled ?? true);
  if (anonymous !== "false") problems.push({ saw: `kubelet anonymous auth is on (${flags["anonymous-auth"] !== undefined ? "--anonymous-auth" : `${KUBELET_CONFIG} authentication.anonymous.enabled`})`, fix: `set authentication.anonymous.enabled: false in ${KUBELET_CONFIG}` });
  const mode = flags["authorization-mode"] ?? config?.authorization?.mode ?? "AlwaysAllow";
  if (mode !== "Webhook") problems.push({ saw: `kubelet authorization mode is ${mode}`, fix: `set authorization.mode: Webhook in ${KUBELET_CONFIG}` });
  return finding("security-kubelet-auth", "kubelet refuses anonymous requests and asks the API server", node.name, ran, problems, "anonymous auth off, authorization Webhook");
}

/** Every finding for one node. */
export function securityFindings(plan: Plan, node: PlannedNode, facts: NodeFacts): Finding[] {
  return [fileModes(node, facts), etcdDataDir(node, facts), caKeys(node, facts), apiServer(plan, node, facts), kubelet(node, facts)].filter(
    (f): f is Finding => f !== undefined,
  );
}
