/**
 * kubeconfig files with the certificates (or a kubelet's bootstrap token) embedded, so each is one
 * self-contained 0600 file.
 */
import { stringify } from "yaml";

/** How a kubeconfig's user proves who it is: a client certificate and its key, or a bearer token. */
export type KubeconfigCredentials = { certPem: string; keyPem: string } | { token: string };

/** What a kubeconfig holds. */
export type KubeconfigSpec = {
  /** Cluster and context name. */
  cluster: string;
  server: string;
  caPem: string;
  user: string;
} & KubeconfigCredentials;

const b64 = (pem: string): string => Buffer.from(pem).toString("base64");

/** Renders a kubeconfig. */
export function renderKubeconfig(spec: KubeconfigSpec): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: spec.cluster, cluster: { server: spec.server, "certificate-authority-data": b64(spec.caPem) } }],
    users: [{ name: spec.user, user: "token" in spec ? { token: spec.token } : { "client-certificate-data": b64(spec.certPem), "client-key-data": b64(spec.keyPem) } }],
    contexts: [{ name: spec.cluster, context: { cluster: spec.cluster, user: spec.user } }],
    "current-context": spec.cluster,
    preferences: {},
  });
}
