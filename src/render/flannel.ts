/**
 * flannel, as the Fedora guide runs it: its network configuration in etcd at
 * /coreos.com/network/config, flanneld as a unit on every worker talking to etcd over TLS, and the
 * pod network taken from the subnet it leases (/run/flannel/subnet.env).
 */
import { certificateParts, FLANNEL_ETCD_CLIENT } from "../pki/certificate-specs.js";
import type { Plan, PlannedNode } from "../plan/plan.js";
import { etcdctlFlags } from "./etcd.js";
import { renderFlag, type Flag } from "./flags.js";
import { binPath, certPath, keyPath } from "./node-layout.js";
import { POD_BRIDGE } from "./node-network.js";
import { CNI_CONF_FILE } from "./node-layout.js";
import { renderServiceUnit } from "./systemd-unit.js";
import { VXLAN_ID } from "../plan/vxlan.js";

/** Where flannel keeps its configuration and leases in etcd. */
export const FLANNEL_ETCD_PREFIX = "/coreos.com/network";
/** The key of its network configuration. */
export const FLANNEL_CONFIG_KEY = `${FLANNEL_ETCD_PREFIX}/config`;
/** The file flanneld writes with the node's lease. */
export const FLANNEL_SUBNET_ENV = "/run/flannel/subnet.env";
/** flannel's network configuration, as the guide writes it. */
export function flannelNetworkConfig(plan: Plan): string {
  return JSON.stringify({
    Network: plan.network.podCidr,
    SubnetLen: plan.network.podSubnetPrefix,
    Backend: { Type: "vxlan", VNI: VXLAN_ID },
  });
}

/** The guide's command that stores flannel's network configuration in etcd (etcd v3 API). */
export function flannelConfigCommand(plan: Plan): string[] {
  return ["etcdctl", ...etcdctlFlags(plan).map(renderFlag), "put", FLANNEL_CONFIG_KEY, flannelNetworkConfig(plan)];
}

/** flanneld's flags on a node. */
export function flanneldFlags(plan: Plan, node: PlannedNode): Flag[] {
  return [
    ["etcd-endpoints", plan.etcd.endpoints.join(",")],
    ["etcd-prefix", FLANNEL_ETCD_PREFIX],
    ["etcd-cafile", certPath(certificateParts(plan).etcdCa)],
    ["etcd-certfile", certPath(FLANNEL_ETCD_CLIENT)],
    ["etcd-keyfile", keyPath(FLANNEL_ETCD_CLIENT)],
    ["public-ip", node.ip],
    ["iface", node.ip],
    ["ip-masq", true],
    ["subnet-file", FLANNEL_SUBNET_ENV],
  ];
}

/** The flanneld unit. */
export function flanneldUnit(plan: Plan, node: PlannedNode): string {
  return renderServiceUnit({
    description: "flanneld: the node's lease of the pod network and its VXLAN overlay",
    documentation: "https://github.com/flannel-io/flannel",
    after: ["network-online.target"],
    binary: binPath("flanneld"),
    flags: flanneldFlags(plan, node),
  });
}

/**
 * The script that turns flannel's lease into the node's CNI configuration (a bridge with
 * host-local addresses from FLANNEL_SUBNET, flannel's MTU; flanneld masquerades).
 */
export function flannelCniScript(): string {
  return [
    "#!/bin/sh",
    `# kubelab: the pod network from flannel's lease (${FLANNEL_SUBNET_ENV}).`,
    "set -eu",
    `for i in $(seq 600); do [ -s ${FLANNEL_SUBNET_ENV} ] && break; sleep 0.1; done`,
    `. ${FLANNEL_SUBNET_ENV}`,
    "# FLANNEL_SUBNET is the lease's first address (e.g. 10.20.7.1/24), the bridge's; host-local wants the network (10.20.7.0/24).",
    "gateway=${FLANNEL_SUBNET%/*}",
    'pod_subnet="${gateway%.*}.$(( ${gateway##*.} - 1 ))/${FLANNEL_SUBNET#*/}"',
    `ip link show ${POD_BRIDGE} >/dev/null 2>&1 || ip link add ${POD_BRIDGE} type bridge`,
    `ip addr replace "$FLANNEL_SUBNET" dev ${POD_BRIDGE}`,
    `ip link set ${POD_BRIDGE} up`,
    `cat > ${CNI_CONF_FILE}.tmp <<CONF`,
    "{",
    '  "cniVersion": "0.4.0",',
    '  "name": "kubelab",',
    '  "plugins": [',
    `    {"type": "bridge", "bridge": "${POD_BRIDGE}", "isGateway": true, "ipMasq": false, "hairpinMode": true, "mtu": $FLANNEL_MTU,`,
    '     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$pod_subnet"}]], "routes": [{"dst": "0.0.0.0/0"}]}},',
    '    {"type": "portmap", "capabilities": {"portMappings": true}}',
    "  ]",
    "}",
    "CONF",
    `mv ${CNI_CONF_FILE}.tmp ${CNI_CONF_FILE}`,
    "",
  ].join("\n");
}
