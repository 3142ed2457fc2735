/**
 * Where things live inside a node. Every renderer and step takes paths from here, so a unit, the
 * file copied for it and the check reading it always agree.
 */

/** Kubernetes, etcd and etcdctl binaries (bind-mounted read-only from the host's cache). */
export const BIN_DIR = "/usr/local/bin";
/** CNI plugins. */
export const CNI_BIN_DIR = "/opt/cni/bin";
/** CNI network configurations. */
export const CNI_CONF_DIR = "/etc/cni/net.d";
/** The lab's pod network configuration file. */
export const CNI_CONF_FILE = `${CNI_CONF_DIR}/10-kubelab.conflist`;
/** Kubernetes configuration. */
export const KUBE_DIR = "/etc/kubernetes";
/** Certificates and keys. */
export const PKI_DIR = `${KUBE_DIR}/pki`;
/** Static pod manifests kubelet watches. */
export const MANIFESTS_DIR = `${KUBE_DIR}/manifests`;
/** Where manifests wait until the images they name are in the node (then moved to MANIFESTS_DIR). */
export const MANIFESTS_STAGING_DIR = `${KUBE_DIR}/manifests-staged`;
/** kubelet's configuration file. */
export const KUBELET_CONFIG = `${KUBE_DIR}/kubelet-config.yaml`;
/** kube-proxy's configuration file. */
export const KUBE_PROXY_CONFIG = `${KUBE_DIR}/kube-proxy-config.yaml`;
/** The API server's encryption configuration: the key Secrets are encrypted with in etcd (0600). */
export const ENCRYPTION_CONFIG = `${KUBE_DIR}/encryption-config.yaml`;
/** The API server's audit policy. */
export const AUDIT_POLICY = `${KUBE_DIR}/audit-policy.yaml`;
/** The API server's audit log (rotated beside it as audit-<time>.log). */
export const AUDIT_LOG = "/var/log/kubernetes/audit.log";
/** kubelet's own state. */
export const KUBELET_DIR = "/var/lib/kubelet";
/** Where a TLS-bootstrapped kubelet keeps the client certificates the API server signed for it. */
export const KUBELET_CERT_DIR = `${KUBELET_DIR}/pki`;
/** A TLS-bootstrapped kubelet's current client certificate and key (a link to the newest). */
export const KUBELET_CLIENT_CERT = `${KUBELET_CERT_DIR}/kubelet-client-current.pem`;
/** The kubeconfig a TLS-bootstrapped kubelet writes for itself once its certificate is signed. */
export const KUBELET_BOOTSTRAPPED_KUBECONFIG = `${KUBELET_DIR}/kubeconfig`;
/** etcd's data directory (0700). */
export const ETCD_DATA_DIR = "/var/lib/etcd";
/** containerd's configuration and socket. */
export const CONTAINERD_CONFIG = "/etc/containerd/config.toml";
export const CONTAINERD_SOCKET = "/run/containerd/containerd.sock";
/** systemd units written by the lab. */
export const UNIT_DIR = "/etc/systemd/system";
/** kubelab's own scripts and data in a node. */
export const KUBELAB_DIR = "/etc/kubelab";

/** Each node's pod network script (run by the kubelab-network unit), with routes and vxlan overlays. */
export const NETWORK_SCRIPT = `${KUBELAB_DIR}/network.sh`;

/** Image tarballs baked into the node image, imported into containerd at start. */
export const PRELOAD_IMAGES_DIR = "/kubelab/images";

/** A certificate in the node. */
export function certPath(name: string): string {
  return `${PKI_DIR}/${name}.crt`;
}

/** A private key in the node. */
export function keyPath(name: string): string {
  return `${PKI_DIR}/${name}.key`;
}

/** A public key in the node (the service account key pair's public half). */
export function publicKeyPath(name: string): string {
  return `${PKI_DIR}/${name}.pub`;
}

/** A kubeconfig in the node. */
export function kubeconfigPath(name: string): string {
  return `${KUBE_DIR}/${name}.kubeconfig`;
}

/** A binary in the node. */
export function binPath(name: string): string {
  return `${BIN_DIR}/${name}`;
}
