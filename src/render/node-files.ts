/**
 * Every file a node receives, by role: certificates and keys, kubeconfigs, configuration files
 * and systemd units. Pure: the plan and the lab's PKI material in, a list of files out.
 */
import { certificateParts, kubeletCertName } from "../pki/certificate-specs.js";
import { API_HEALTHCHECK_CLIENT, FLANNEL_ETCD_CLIENT } from "../pki/certificate-specs.js";
import { HAPROXY_CLIENT_PEM, HAPROXY_CONFIG, haproxyConfig } from "./haproxy.js";
import type { Plan, PlannedNode } from "../plan/plan.js";
import type { NodeFile } from "../providers/provider.js";
import { cniConfig } from "./cni-config.js";
import { containerdConfig } from "./containerd-config.js";
import { etcdUnit } from "./etcd.js";
import { apiServerUnit } from "./kube-apiserver.js";
import { controllerManagerUnit } from "./kube-controller-manager.js";
import { kubeProxyConfig, kubeProxyUnit } from "./kube-proxy.js";
import { schedulerUnit } from "./kube-scheduler.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { flannelCniScript, flanneldUnit } from "./flannel.js";
import { kubeletConfig, kubeletUnit, PODS_STOP_UNIT, podsStopUnit } from "./kubelet.js";
import { hostsBlock, hostsScript, nodeNetworkScript, oneshotUnit } from "./node-network.js";
import {
  AUDIT_POLICY,
  certPath,
  CNI_CONF_FILE,
  ENCRYPTION_CONFIG,
  CONTAINERD_CONFIG,
  KUBE_PROXY_CONFIG,
  KUBELET_CONFIG,
  keyPath,
  KUBELAB_DIR,
  NETWORK_SCRIPT,
  kubeconfigPath,
  MANIFESTS_STAGING_DIR,
  publicKeyPath,
  UNIT_DIR,
} from "./node-layout.js";
import { controlPlaneManifests, kubeProxyManifest, type ComponentImages } from "./static-pods.js";
import type { LabSecrets } from "../secrets/lab-secrets.js";
import { probesApi, probesAuthenticate } from "./api-probe.js";
import { auditPolicy } from "./audit-policy.js";
import { encryptionConfig } from "./encryption-config.js";
import { BOOTSTRAP_KUBECONFIG, bootstrapKubeconfig } from "./tls-bootstrap.js";

/** The certificate material node files are made from. */
export interface PkiMaterial {
  /** A certificate and its key by name (e.g. "kube-apiserver", "kubelet-node1"). */
  get(name: string): { certPem: string; keyPem: string };
  /** The service account signing key pair. */
  serviceAccount: { privateKeyPem: string; publicKeyPem: string };
  /** The bootstrap token and the encryption key, for labs whose hardening needs them. */
  secrets?: LabSecrets;
}

/** Names of the lab's images that node configuration refers to. */
export interface NodeImages {
  /** The pod sandbox ("pause") image. */
  sandbox: string;
  /** The static pods' images (when the control plane runs as static pods). */
  components?: ComponentImages;
}

/** A kubeconfig spec for a client certificate of the lab. */
export function kubeconfigFor(
  plan: Plan,
  pki: PkiMaterial,
  options: { cert: string; user: string; server?: string },
): string {
  const { certPem, keyPem } = pki.get(options.cert);
  return renderKubeconfig({
    cluster: plan.labName,
    server: options.server ?? plan.api.endpoint,
    caPem: pki.get("ca").certPem,
    user: options.user,
    certPem,
    keyPem,
  });
}

/** The files one node needs for its roles. */
export function nodeFiles(plan: Plan, node: PlannedNode, pki: PkiMaterial, images: NodeImages): NodeFile[] {
  const files = new Map<string, NodeFile>();
  const add = (path: string, content: string, mode = 0o644): void => {
    files.set(path, { path, content, mode });
  };
  const cert = (name: string): void => add(certPath(name), pki.get(name).certPem);
  const certAndKey = (name: string): void => {
    cert(name);
    add(keyPath(name), pki.get(name).keyPem, 0o600);
  };
  const kubeconfig = (name: string, options: { cert: string; user: string; server?: string }): void =>
    add(kubeconfigPath(name), kubeconfigFor(plan, pki, options), 0o600);
  const unit = (name: string, content: string): void => add(`${UNIT_DIR}/${name}.service`, content);
  const staticPods = plan.controlPlaneMode === "static-pods";
  const parts = certificateParts(plan);
  const components = (): ComponentImages => {
    if (!images.components) throw new Error("bug: a static-pods lab needs its component images before its files");
    return images.components;
  };
  const secret = <K extends keyof LabSecrets>(key: K): NonNullable<LabSecrets[K]> => {
    const value = pki.secrets?.[key];
    if (value === undefined) throw new Error(`bug: the lab's ${key} is needed before its files`);
    return value as NonNullable<LabSecrets[K]>;
  };
  const { security } = plan;
  const tlsBootstrap = security.kubeletBootstrap === "token";

  // Where the API server refuses anonymous requests, kubelab's probes of it present a certificate.
  if (probesAuthenticate(plan) && probesApi(node)) certAndKey(API_HEALTHCHECK_CLIENT);

  // Every node knows every other by name.
  add(`${KUBELAB_DIR}/hosts`, hostsBlock(plan));
  add(`${KUBELAB_DIR}/hosts.sh`, hostsScript(`${KUBELAB_DIR}/hosts`), 0o755);
  unit("kubelab-hosts", oneshotUnit("kubelab: the lab's nodes by name in /etc/hosts", `${KUBELAB_DIR}/hosts.sh`));

  if (node.loadBalancer) {
    // The CA lets a check on this node verify the API servers it reaches through HAProxy.
    cert("ca");
    add(HAPROXY_CONFIG, haproxyConfig(plan));
    add(`${UNIT_DIR}/haproxy.service.d/kubelab.conf`, "[Service]\n# the admin socket's folder, on a /run that starts empty\nRuntimeDirectory=haproxy\n");
    // HAProxy's health checks present the health-check certificate: it wants certificate and key in one file.
    if (probesAuthenticate(plan)) {
      const { certPem, keyPem } = pki.get(API_HEALTHCHECK_CLIENT);
      add(HAPROXY_CLIENT_PEM, `${certPem}${keyPem}`, 0o600);
    }
  }

  if (node.etcd) {
    cert(parts.etcdCa);
    certAndKey(parts.etcdServer(node.name));
    certAndKey(parts.etcdPeer(node.name));
    certAndKey("etcd-healthcheck-client");
    unit("etcd", etcdUnit(plan, node));
  }

  if (node.controlPlane) {
    // The CA key is here only because the controller manager signs with it.
    certAndKey("ca");
    certAndKey(parts.apiServer);
    certAndKey("apiserver-kubelet-client");
    certAndKey(parts.apiServerEtcdClient);
    certAndKey("etcd-healthcheck-client");
    cert(parts.etcdCa);
    cert("front-proxy-ca");
    certAndKey("front-proxy-client");
    add(keyPath("service-account"), pki.serviceAccount.privateKeyPem, 0o600);
    add(publicKeyPath("service-account"), pki.serviceAccount.publicKeyPem);
    if (security.encryptionAtRest === "aescbc") add(ENCRYPTION_CONFIG, encryptionConfig(secret("encryptionKey")), 0o600);
    if (security.audit) add(AUDIT_POLICY, auditPolicy());
    const local = `https://127.0.0.1:${plan.api.port}`;
    kubeconfig("kube-controller-manager", { cert: "kube-controller-manager", user: "system:kube-controller-manager", server: local });
    kubeconfig("kube-scheduler", { cert: "kube-scheduler", user: "system:kube-scheduler", server: local });
    kubeconfig("admin", { cert: "admin", user: "admin" });
    if (staticPods) {
      for (const [file, manifest] of Object.entries(controlPlaneManifests(plan, node, components()))) {
        add(`${MANIFESTS_STAGING_DIR}/${file}`, manifest);
      }
    } else {
      unit("kube-apiserver", apiServerUnit(plan, node));
      unit("kube-controller-manager", controllerManagerUnit(plan));
      unit("kube-scheduler", schedulerUnit(plan));
    }
  }

  if (node.kubelet) {
    cert("ca");
    certAndKey(kubeletCertName(node.name));
    // With TLS bootstrapping kubelet joins with the token and writes its own kubeconfig.
    if (tlsBootstrap) add(BOOTSTRAP_KUBECONFIG, bootstrapKubeconfig(plan, pki.get("ca").certPem, secret("bootstrapToken")), 0o600);
    else kubeconfig("kubelet", { cert: kubeletCertName(node.name), user: `system:node:${node.name}` });
    kubeconfig("kube-proxy", { cert: "kube-proxy", user: "system:kube-proxy" });
    add(KUBELET_CONFIG, kubeletConfig(plan, node));
    add(KUBE_PROXY_CONFIG, kubeProxyConfig(plan, node));
    add(CONTAINERD_CONFIG, containerdConfig({ sandboxImage: images.sandbox }));
    if (plan.network.overlay === "flannel") {
      cert(parts.etcdCa);
      certAndKey(FLANNEL_ETCD_CLIENT);
      unit("flanneld", flanneldUnit(plan, node));
      add(`${KUBELAB_DIR}/flannel-cni.sh`, flannelCniScript(), 0o755);
      unit("kubelab-flannel-cni", oneshotUnit("kubelab: the pod network from flannel's lease", `${KUBELAB_DIR}/flannel-cni.sh`, { after: ["flanneld.service"] }));
    } else {
      add(CNI_CONF_FILE, cniConfig(plan, node));
      add(NETWORK_SCRIPT, nodeNetworkScript(plan, node), 0o755);
      unit("kubelab-network", oneshotUnit(`kubelab: the pod network (${plan.network.overlay})`, NETWORK_SCRIPT));
    }
    unit("kubelet", kubeletUnit(plan, node));
    unit(PODS_STOP_UNIT, podsStopUnit());
    if (staticPods) add(`${MANIFESTS_STAGING_DIR}/kube-proxy.yaml`, kubeProxyManifest(components()));
    else unit("kube-proxy", kubeProxyUnit());
  }

  return [...files.values()];
}
