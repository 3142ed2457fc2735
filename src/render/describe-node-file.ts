/**
 * A node's file in human terms, for `lab explain`: a certificate by its subject, SANs, issuer and
 * usage; a kubeconfig by who it logs in as and where; a unit or static pod by what it runs; a
 * configuration file by whose it is. Pure: the plan and the rendered file in.
 */
import { basename } from "node:path";
import { parse } from "yaml";
import { certificateSpecs } from "../pki/certificate-specs.js";
import { describeCertificate } from "../pki/describe-certificate.js";
import type { Plan } from "../plan/plan.js";
import type { NodeFile } from "../providers/provider.js";
import { HAPROXY_CLIENT_PEM } from "./haproxy.js";
import {
  AUDIT_POLICY,
  CNI_CONF_FILE,
  ENCRYPTION_CONFIG,
  CONTAINERD_CONFIG,
  KUBE_PROXY_CONFIG,
  KUBELAB_DIR,
  KUBELET_CONFIG,
  MANIFESTS_STAGING_DIR,
  PKI_DIR,
  UNIT_DIR,
} from "./node-layout.js";

const CONFIG_FILES: Record<string, string> = {
  [KUBELET_CONFIG]: "kubelet's configuration (KubeletConfiguration): authentication, cluster DNS, cgroup driver, static pod folder",
  [KUBE_PROXY_CONFIG]: "kube-proxy's configuration (KubeProxyConfiguration): iptables mode, the cluster's pod range, the node's address",
  [CONTAINERD_CONFIG]: "containerd's configuration: the CRI plugin, its pause image and where the CNI plugins are",
  [CNI_CONF_FILE]: "the CNI network every pod of the node joins: a bridge with addresses from the node's pod subnet",
  [`${KUBELAB_DIR}/hosts`]: "every node of the lab by name, added to /etc/hosts",
  [ENCRYPTION_CONFIG]: "the API server's encryption configuration (EncryptionConfiguration): Secrets written to etcd encrypted with AES-CBC under the lab's key (readable by root only)",
  [AUDIT_POLICY]: "the API server's audit policy: which requests its audit log records, and how much of each",
  [HAPROXY_CLIENT_PEM]: "the health-check client certificate and its key in one file, which HAProxy's checks of the API servers present (readable by root only)",
};

/** What `file` is, in one or more lines. */
export function describeNodeFile(plan: Plan, file: NodeFile): string[] {
  const { path } = file;
  const content = file.content.toString();
  const name = basename(path);
  if (path.startsWith(`${PKI_DIR}/`)) {
    const stem = name.replace(/\.(crt|key|pub)$/, "");
    if (name.endsWith(".key")) return [`the private key of ${stem} (readable by root only)`];
    if (name.endsWith(".pub")) return [`the public key of ${stem}`];
    const specs = certificateSpecs(plan);
    const spec = specs.find((s) => s.name === stem);
    return spec ? [`certificate ${stem}`, ...describeCertificate(spec, specs)] : [`certificate ${stem}`];
  }
  if (name.endsWith(".kubeconfig")) {
    const doc = parse(content) as { clusters?: { cluster?: { server?: string } }[]; users?: { name?: string; user?: { token?: string } }[] };
    const credential = doc.users?.[0]?.user?.token !== undefined ? "the lab's bootstrap token" : "its client certificate";
    return [`kubeconfig: logs in to ${doc.clusters?.[0]?.cluster?.server ?? "?"} as ${doc.users?.[0]?.name ?? "?"} with ${credential} (readable by root only)`];
  }
  if (path.startsWith(`${UNIT_DIR}/`)) {
    if (path.endsWith(".conf")) return [`a drop-in of ${basename(path.slice(0, path.lastIndexOf("/")))}`];
    const exec = /^ExecStart=(\S+)/m.exec(content)?.[1];
    const flags = (content.match(/^\s+--/gm) ?? []).length;
    return [`systemd unit: runs ${exec ?? "?"}${flags ? ` with ${flags} flags` : ""}`];
  }
  if (path.startsWith(`${MANIFESTS_STAGING_DIR}/`)) {
    const pod = parse(content) as { spec?: { containers?: { command?: string[] }[] } };
    const command = pod.spec?.containers?.[0]?.command ?? [];
    return [`static pod manifest: kubelet runs ${command[0] ?? "?"} with ${Math.max(0, command.length - 1)} flags (moved into the manifests folder by the kubelet step)`];
  }
  if (CONFIG_FILES[path]) return [CONFIG_FILES[path]!];
  if (path.endsWith(".sh")) return ["a script kubelab's one-shot setup unit runs"];
  return ["a configuration file"];
}
