/**
 * kube-controller-manager: signs with the cluster CA, mints service account tokens, elects a leader where there are several.
 */
import { atLeast } from "../plan/kube-version.js";
import type { Plan } from "../plan/plan.js";
import type { Flag } from "./flags.js";
import { binPath, certPath, keyPath, kubeconfigPath } from "./node-layout.js";
import { renderServiceUnit } from "./systemd-unit.js";
import { tlsFlags } from "./tls-policy.js";

/** kube-controller-manager's flags. */
export function controllerManagerFlags(plan: Plan): Flag[] {
  const kubeconfig = kubeconfigPath("kube-controller-manager");
  const flags: Flag[] = [
    ["kubeconfig", kubeconfig],
    ["authentication-kubeconfig", kubeconfig],
    ["authorization-kubeconfig", kubeconfig],
    // One instance per control plane node: several elect a leader; a lone one leads at once (elected,
    // it would wait out its previous run's lease, 15 s, after every restart of its node).
    ["leader-elect", String(plan.api.servers.length > 1)],
    ["cluster-name", plan.labName],
    ["cluster-cidr", plan.network.podCidr],
    // Each node's pod subnet comes from the plan (the pipeline sets it), not from an allocator.
    ["allocate-node-cidrs", "false"],
    ["service-cluster-ip-range", plan.network.serviceCidr],
    ["cluster-signing-cert-file", certPath("ca")],
    ["cluster-signing-key-file", keyPath("ca")],
    ["root-ca-file", certPath("ca")],
    ["client-ca-file", certPath("ca")],
    ["requestheader-client-ca-file", certPath("front-proxy-ca")],
    ["service-account-private-key-file", keyPath("service-account")],
    ["use-service-account-credentials", "true"],
    // Each controller gets its own service account, which costs a few API requests per controller
    // at start; at the default 20 requests/s that paces the ~35 controllers 150 ms apart, and a
    // restarted lab's Services get no endpoints for ~5 s. A lab's API server takes far more.
    ["kube-api-qps", "100"],
    ["kube-api-burst", "200"],
    ["controllers", "*,bootstrapsigner,tokencleaner"],
  ];
  // Until 1.22 `kubectl get componentstatuses` probes the insecure port on 127.0.0.1.
  if (!atLeast(plan.kubernetes, 1, 22)) flags.push(["address", "127.0.0.1"]);
  return [...flags, ...tlsFlags(plan)];
}

/** The kube-controller-manager systemd unit. */
export function controllerManagerUnit(plan: Plan): string {
  return renderServiceUnit({
    description: "kube-controller-manager: the cluster's control loops",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/",
    after: ["kube-apiserver.service"],
    binary: binPath("kube-controller-manager"),
    flags: controllerManagerFlags(plan),
  });
}
