/**
 * The binaries a lab runs, grouped by the release they come from. Kubernetes, etcd and the CNI
 * plugins are needed by every lab; flannel only by labs whose overlay is flannel.
 */

/** A release that ships binaries. */
export type ComponentName = "kubernetes" | "etcd" | "cni-plugins" | "flannel";

/** Binaries each component must provide. */
export const COMPONENT_BINARIES: Record<ComponentName, readonly string[]> = {
  kubernetes: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl"],
  etcd: ["etcd", "etcdctl"],
  "cni-plugins": ["bridge", "host-local", "loopback", "portmap"],
  flannel: ["flanneld"],
};

/** Every component, in the order they are looked for. */
export const COMPONENTS = Object.keys(COMPONENT_BINARIES) as ComponentName[];

/** The component a binary belongs to, or undefined for an unknown name. */
export function componentOf(binary: string): ComponentName | undefined {
  return COMPONENTS.find((c) => COMPONENT_BINARIES[c].includes(binary));
}

/** Human name of a component, for messages. */
export function componentTitle(component: ComponentName): string {
  return { kubernetes: "Kubernetes", etcd: "etcd", "cni-plugins": "CNI plugins", flannel: "flannel" }[component];
}
