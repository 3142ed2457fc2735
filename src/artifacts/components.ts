/**
 * The binaries a lab runs, grouped by the release they come from.
 */

/** A release that ships binaries. */
export type ComponentName = "kubernetes" | "etcd" | "cni-plugins";

/** Binaries each component must provide. */
export const COMPONENT_BINARIES: Record<ComponentName, readonly string[]> = {
  kubernetes: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl"],
  etcd: ["etcd", "etcdctl"],
  "cni-plugins": ["bridge", "host-local", "loopback", "portmap"],
};

/** Every component. */
export const COMPONENTS = Object.keys(COMPONENT_BINARIES) as ComponentName[];

/** The component a binary belongs to, or undefined for an unknown name. */
export function componentOf(binary: string): ComponentName | undefined {
  return COMPONENTS.find((c) => COMPONENT_BINARIES[c].includes(binary));
}

/** Human name of a component, for messages. */
export function componentTitle(component: ComponentName): string {
  return { kubernetes: "Kubernetes", etcd: "etcd", "cni-plugins": "CNI plugins" }[component];
}
