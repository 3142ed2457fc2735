/**
 * kube-proxy: Service addresses through iptables, configured by a KubeProxyConfiguration file.
 */
import { stringify } from "yaml";
import type { Plan, PlannedNode } from "../plan/plan.js";
import type { Flag } from "./flags.js";
import { binPath, KUBE_PROXY_CONFIG, kubeconfigPath } from "./node-layout.js";
import { renderServiceUnit } from "./systemd-unit.js";

/** kube-proxy's flags. */
export function kubeProxyFlags(): Flag[] {
  return [["config", KUBE_PROXY_CONFIG]];
}

/** The KubeProxyConfiguration file. */
export function kubeProxyConfig(plan: Plan, node: PlannedNode): string {
  return stringify({
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    clientConnection: { kubeconfig: kubeconfigPath("kube-proxy") },
    mode: "iptables",
    // A lab has a handful of Services: rewrite the rules as soon as one changes (a rewrite takes
    // about 0.1 s here), instead of at most once a second, the default meant for clusters with
    // thousands. Not 0s: kube-proxy reads 0 as unset and takes the 1s default.
    iptables: { minSyncPeriod: "100ms" },
    clusterCIDR: plan.network.podCidr,
    hostnameOverride: node.name,
    // The node's address, known from the plan: left at 0.0.0.0, kube-proxy asks the API server for
    // its Node object first and, when that fails (at boot, before the API server or its RBAC cache
    // is ready), waits 1, 2, 4... s before asking again.
    bindAddress: node.ip,
    // nf_conntrack_max and the conntrack timeouts are host-wide: a lab must not change them.
    conntrack: { maxPerCore: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
  });
}

/** The kube-proxy systemd unit. */
export function kubeProxyUnit(): string {
  return renderServiceUnit({
    description: "kube-proxy: Service addresses on the node",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/",
    after: ["network-online.target"],
    binary: binPath("kube-proxy"),
    flags: kubeProxyFlags(),
  });
}
