/**
 * Static pod manifests for kubelet to start from /etc/kubernetes/manifests: the control plane and
 * kube-proxy, with exactly the flags their systemd units would have, host networking, the node's
 * /etc/kubernetes mounted read-only, and liveness probes on their health endpoints.
 */
import { dirname } from "node:path";
import { stringify } from "yaml";
import type { Plan, PlannedNode } from "../plan/plan.js";
import { renderFlag, type Flag } from "./flags.js";
import { apiServerFlags } from "./kube-apiserver.js";
import { controllerManagerFlags } from "./kube-controller-manager.js";
import { kubeProxyFlags } from "./kube-proxy.js";
import { schedulerFlags } from "./kube-scheduler.js";
import { AUDIT_LOG, BIN_DIR, KUBE_DIR } from "./node-layout.js";

/** Components that run as static pods when the control plane does. */
export const STATIC_POD_COMPONENTS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"] as const;
/** One of them. */
export type StaticPodComponent = (typeof STATIC_POD_COMPONENTS)[number];

/** The image each static pod runs. */
export type ComponentImages = Record<StaticPodComponent, string>;

interface PodSpec {
  component: StaticPodComponent;
  image: string;
  flags: Flag[];
  probe: { port: number; path: string; scheme: "HTTP" | "HTTPS" };
  cpu: string;
  /** Extra host paths (path: type). */
  hostPaths?: Record<string, "Directory" | "DirectoryOrCreate" | "FileOrCreate">;
  privileged?: boolean;
}

function volumeName(path: string): string {
  return path.replace(/^\/+/, "").replace(/[^a-z0-9]+/g, "-");
}

function manifest(spec: PodSpec): string {
  const hostPaths: Record<string, string> = { [KUBE_DIR]: "Directory", ...spec.hostPaths };
  const readOnly = (path: string): boolean => path === KUBE_DIR || path === "/lib/modules";
  return stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: spec.component,
      namespace: "kube-system",
      labels: { component: spec.component, tier: spec.component === "kube-proxy" ? "node" : "control-plane" },
    },
    spec: {
      hostNetwork: true,
      priorityClassName: "system-node-critical",
      containers: [
        {
          name: spec.component,
          image: spec.image,
          imagePullPolicy: "IfNotPresent",
          command: [`${BIN_DIR}/${spec.component}`, ...spec.flags.map(renderFlag)],
          resources: { requests: { cpu: spec.cpu } },
          livenessProbe: {
            httpGet: { host: "127.0.0.1", port: spec.probe.port, path: spec.probe.path, scheme: spec.probe.scheme },
            initialDelaySeconds: 10,
            periodSeconds: 10,
            timeoutSeconds: 15,
            failureThreshold: 8,
          },
          ...(spec.privileged ? { securityContext: { privileged: true } } : {}),
          volumeMounts: Object.keys(hostPaths).map((path) => ({ name: volumeName(path), mountPath: path, readOnly: readOnly(path) })),
        },
      ],
      volumes: Object.entries(hostPaths).map(([path, type]) => ({ name: volumeName(path), hostPath: { path, type } })),
    },
  });
}

/** The control plane's static pod manifests for a control plane node, by file name. */
export function controlPlaneManifests(plan: Plan, node: PlannedNode, images: ComponentImages): Record<string, string> {
  return {
    "kube-apiserver.yaml": manifest({
      component: "kube-apiserver",
      image: images["kube-apiserver"],
      flags: apiServerFlags(plan, node),
      probe: { port: plan.api.port, path: "/livez", scheme: "HTTPS" },
      cpu: "250m",
      // The audit log is the node's, as a unit's would be.
      ...(plan.security.audit ? { hostPaths: { [dirname(AUDIT_LOG)]: "DirectoryOrCreate" as const } } : {}),
    }),
    "kube-controller-manager.yaml": manifest({
      component: "kube-controller-manager",
      image: images["kube-controller-manager"],
      flags: controllerManagerFlags(plan),
      probe: { port: 10257, path: "/healthz", scheme: "HTTPS" },
      cpu: "200m",
    }),
    "kube-scheduler.yaml": manifest({
      component: "kube-scheduler",
      image: images["kube-scheduler"],
      flags: schedulerFlags(plan),
      probe: { port: 10259, path: "/healthz", scheme: "HTTPS" },
      cpu: "100m",
    }),
  };
}

/** kube-proxy's static pod manifest (it programs the node's iptables: privileged). */
export function kubeProxyManifest(images: ComponentImages): string {
  return manifest({
    component: "kube-proxy",
    image: images["kube-proxy"],
    flags: kubeProxyFlags(),
    probe: { port: 10256, path: "/healthz", scheme: "HTTP" },
    cpu: "50m",
    privileged: true,
    hostPaths: { "/run/xtables.lock": "FileOrCreate", "/lib/modules": "DirectoryOrCreate" },
  });
}
