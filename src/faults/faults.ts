/**
 * The fault drills that stop something: an etcd member, a controller (its API server, controller
 * manager and scheduler), a node's lab network, kube-proxy on a node. Each undoes itself exactly.
 */
import { kubeletNodes, type PlannedNode } from "../plan/plan.js";
import { startComponent, startKubeProxy, stopComponent } from "../pipeline/components.js";
import { sh } from "../pipeline/node-commands.js";
import { waitForControlPlane } from "../pipeline/steps/start-control-plane.js";
import { waitForEtcdMember } from "../pipeline/steps/start-etcd.js";
import { last, type Fault } from "./fault.js";

const CONTROL_PLANE = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const;

/** Marks the iptables rules of the node-network drill, so that heal removes exactly those. */
const DRILL_COMMENT = "kubelab-drill";

/** etcd stopped on a member. */
export const etcdMember: Fault = {
  id: "etcd-member",
  title: "stop an etcd member",
  expect: "etcd-health fails on that member; with one member (or quorum lost) every check that needs the API fails too",
  notApplicable: (_plan, node) => (node.etcd ? undefined : `${node.name} runs no etcd member`),
  defaultNode: (plan) => last(plan.nodes.filter((n) => n.etcd)),
  disturbsEtcd: () => true,
  async break(ctx, node) {
    await stopComponent(ctx, node.name, "etcd");
  },
  async heal(ctx, node) {
    await startComponent(ctx, node.name, "etcd");
    await waitForEtcdMember(ctx, node, "heal etcd");
  },
};

/** A controller's API server, controller manager and scheduler stopped. */
export const controller: Fault = {
  id: "controller",
  title: "stop a controller (its API server, controller manager and scheduler)",
  expect: "with one controller every check that needs the API fails; with several, the others (and the load balancer) carry on",
  notApplicable: (_plan, node) => (node.controlPlane ? undefined : `${node.name} is not a controller`),
  defaultNode: (plan) => last(plan.api.servers),
  cutsOffApi: true,
  async break(ctx, node) {
    for (const component of CONTROL_PLANE) await stopComponent(ctx, node.name, component);
  },
  async heal(ctx, node) {
    for (const component of CONTROL_PLANE) await startComponent(ctx, node.name, component);
    await waitForControlPlane(ctx, node, "heal the controller");
  },
};

/** kube-proxy stopped on a node (its rules stay, but nothing follows changes to Services any more). */
export const kubeProxy: Fault = {
  id: "kube-proxy",
  title: "stop kube-proxy on a node",
  expect: "a Service created from now on does not answer from that node (cluster-ip-service, service-from-pod)",
  notApplicable: (_plan, node) => (node.kubelet ? undefined : `${node.name} runs no kube-proxy`),
  defaultNode: (plan) => last(kubeletNodes(plan)),
  async break(ctx, node) {
    await stopComponent(ctx, node.name, "kube-proxy");
    // kube-proxy removes nothing when killed: a Service made from now on gets no rules on this node.
  },
  async heal(ctx, node) {
    await startKubeProxy(ctx, node.name);
  },
};

/** The node's interface on the lab network, found by its address. */
function labInterface(node: PlannedNode): string {
  return `$(ip -o -4 addr show | awk '$4 ~ /^${node.ip.replace(/\./g, "\\.")}\\// {print $2; exit}')`;
}

/** Every packet in and out of the node's lab interface dropped (in the node's own iptables). */
export const nodeNetwork: Fault = {
  id: "node-network",
  title: "cut a node off the lab network",
  expect: "node-ping and the checks across nodes fail for that node; after kubelet's grace period the node turns NotReady",
  notApplicable: (plan) => (plan.nodes.length > 1 ? undefined : "the lab has one node: there is no other node to cut it off from"),
  defaultNode: (plan) => last(kubeletNodes(plan)) ?? last(plan.nodes),
  disturbsEtcd: (node) => node.etcd,
  cutsOffApi: true,
  async break(ctx, node) {
    await sh(
      ctx,
      node.name,
      [`i=${labInterface(node)}`, '[ -n "$i" ]', ...["INPUT -i", "OUTPUT -o"].map((rule) => `iptables -w -I ${rule} "$i" -m comment --comment ${DRILL_COMMENT} -j DROP`)].join("\n"),
      "cut the node off the lab network",
    );
  },
  async heal(ctx, node) {
    await sh(
      ctx,
      node.name,
      [`i=${labInterface(node)}`, ...["INPUT -i", "OUTPUT -o"].map((rule) => `while iptables -w -D ${rule} "$i" -m comment --comment ${DRILL_COMMENT} -j DROP 2>/dev/null; do :; done`)].join("\n"),
      "connect the node to the lab network again",
    );
  },
};

