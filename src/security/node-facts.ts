/**
 * What the security audit reads on a node, gathered by one shell script per node and parsed back:
 * the modes of private keys and kubeconfigs, the etcd data directory's mode, which CA keys are on
 * the node, the running kube-apiserver's and kubelet's command lines, and the kubelet's
 * configuration file.
 */
import { parse } from "yaml";
import { HAPROXY_CLIENT_PEM } from "../render/haproxy.js";
import {
  ENCRYPTION_CONFIG,
  ETCD_DATA_DIR,
  KUBE_DIR,
  KUBELET_BOOTSTRAPPED_KUBECONFIG,
  KUBELET_CERT_DIR,
  KUBELET_CONFIG,
  PKI_DIR,
} from "../render/node-layout.js";

/**
 * The files only root may read, where a node has them: private keys and kubeconfigs (kubelab's,
 * and those a TLS-bootstrapped kubelet writes), the encryption configuration, HAProxy's client
 * certificate and key.
 */
export const SECRET_FILES = [
  `${PKI_DIR}/*.key`,
  `${KUBE_DIR}/*.kubeconfig`,
  ENCRYPTION_CONFIG,
  KUBELET_BOOTSTRAPPED_KUBECONFIG,
  `${KUBELET_CERT_DIR}/kubelet-client-*.pem`,
  HAPROXY_CLIENT_PEM,
];

/** The facts of one node. */
export interface NodeFacts {
  /** Octal mode by path: private keys, kubeconfigs and the other {@link SECRET_FILES}. */
  modes: Record<string, string>;
  /** The etcd data directory's mode, when it exists. */
  etcdDataDirMode?: string;
  /** kube-apiserver's flags (name -> value), when it runs on the node. */
  apiServerFlags?: Record<string, string>;
  /** kubelet's flags, when it runs on the node. */
  kubeletFlags?: Record<string, string>;
  /** The kubelet configuration file, parsed. */
  kubeletConfig?: Record<string, unknown>;
}

const SECTIONS = ["modes", "etcd", "apiserver", "kubelet", "kubelet-config"] as const;

/** The script that prints a node's facts, section by section. */
export function nodeFactsScript(): string {
  const cmdline = (process: string) => `pid=$(pgrep -xo ${process} || true); [ -n "$pid" ] && tr '\\0' '\\n' < /proc/$pid/cmdline || true`;
  return [
    "echo '== modes'",
    // -L: a link (kubelet's kubelet-client-current.pem) by the mode of what it points at.
    `for f in ${SECRET_FILES.join(" ")}; do [ -e "$f" ] && stat -L -c '%a %n' "$f"; done; true`,
    "echo '== etcd'",
    `[ -d ${ETCD_DATA_DIR} ] && stat -c '%a' ${ETCD_DATA_DIR} || true`,
    "echo '== apiserver'",
    cmdline("kube-apiserver"),
    "echo '== kubelet'",
    cmdline("kubelet"),
    "echo '== kubelet-config'",
    `cat ${KUBELET_CONFIG} 2>/dev/null || true`,
  ].join("\n");
}

/** `--name=value` lines (a command line, one argument per line) as a map; a bare `--flag` is "true". */
function flags(lines: string[]): Record<string, string> | undefined {
  if (lines.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const arg of lines.slice(1)) {
    const m = arg.match(/^--?([^=]+)(?:=(.*))?$/);
    if (m) out[m[1]!] = m[2] ?? "true";
  }
  return out;
}

/** Parses what {@link nodeFactsScript} printed. */
export function parseNodeFacts(output: string): NodeFacts {
  const sections = new Map<string, string[]>();
  let current: string | undefined;
  for (const line of output.split("\n")) {
    const header = line.match(/^== (\S+)$/);
    if (header && (SECTIONS as readonly string[]).includes(header[1]!)) {
      current = header[1]!;
      sections.set(current, []);
    } else if (current && line !== "") {
      sections.get(current)!.push(line);
    }
  }
  const modes: Record<string, string> = {};
  for (const line of sections.get("modes") ?? []) {
    const [mode, ...path] = line.split(" ");
    modes[path.join(" ")] = mode!;
  }
  const config = (sections.get("kubelet-config") ?? []).join("\n");
  return {
    modes,
    etcdDataDirMode: sections.get("etcd")?.[0],
    apiServerFlags: flags(sections.get("apiserver") ?? []),
    kubeletFlags: flags(sections.get("kubelet") ?? []),
    kubeletConfig: config ? (parse(config) as Record<string, unknown>) : undefined,
  };
}
