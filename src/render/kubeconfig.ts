/**
 * kubeconfig files with the certificates embedded, so each is one self-contained 0600 file.
 */
import { stringify } from "yaml";

/** What a kubeconfig holds. */
export interface KubeconfigSpec {
  /** Cluster and context name. */
  cluster: string;
  server: string;
  caPem: string;
  user: string;
  certPem: string;
  keyPem: string;
}

const b64 = (pem: string): string => Buffer.from(pem).toString("base64");

/** Renders a kubeconfig. */
export function renderKubeconfig(spec: KubeconfigSpec): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: spec.cluster, cluster: { server: spec.server, "certificate-authority-data": b64(spec.caPem) } }],
    users: [{ name: spec.user, user: { "client-certificate-data": b64(spec.certPem), "client-key-data": b64(spec.keyPem) } }],
    contexts: [{ name: spec.cluster, context: { cluster: spec.cluster, user: spec.user } }],
    "current-context": spec.cluster,
    preferences: {},
  });
}
