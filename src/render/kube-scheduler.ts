/**
 * kube-scheduler: places pods on nodes, with leader election where there are several.
 */
import { atLeast } from "../plan/kube-version.js";
import type { Plan } from "../plan/plan.js";
import type { Flag } from "./flags.js";
import { binPath, kubeconfigPath } from "./node-layout.js";
import { renderServiceUnit } from "./systemd-unit.js";
import { tlsFlags } from "./tls-policy.js";

/** kube-scheduler's flags. */
export function schedulerFlags(plan: Plan): Flag[] {
  const kubeconfig = kubeconfigPath("kube-scheduler");
  const flags: Flag[] = [
    ["kubeconfig", kubeconfig],
    ["authentication-kubeconfig", kubeconfig],
    ["authorization-kubeconfig", kubeconfig],
    // One instance per control plane node: several elect a leader; a lone one leads at once (elected,
    // it would wait out its previous run's lease, 15 s, after every restart of its node).
    ["leader-elect", String(plan.api.servers.length > 1)],
  ];
  // Until 1.22 `kubectl get componentstatuses` probes the insecure port on 127.0.0.1.
  if (!atLeast(plan.kubernetes, 1, 22)) flags.push(["address", "127.0.0.1"]);
  return [...flags, ...tlsFlags(plan)];
}

/** The kube-scheduler systemd unit. */
export function schedulerUnit(plan: Plan): string {
  return renderServiceUnit({
    description: "kube-scheduler: places pods on nodes",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-scheduler/",
    after: ["kube-apiserver.service"],
    binary: binPath("kube-scheduler"),
    flags: schedulerFlags(plan),
  });
}
