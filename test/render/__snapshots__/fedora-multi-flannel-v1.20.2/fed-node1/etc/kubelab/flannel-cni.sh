#!/bin/sh
# kubelab: the pod network from flannel's lease (/run/flannel/subnet.env).
set -eu
for i in $(seq 600); do [ -s /run/flannel/subnet.env ] && break; sleep 0.1; done
. /run/flannel/subnet.env
# FLANNEL_SUBNET is the lease's first address (e.g. 10.20.7.1/24), the bridge's; host-local wants the network (10.20.7.0/24).
gateway=${FLANNEL_SUBNET%/*}
pod_subnet="${gateway%.*}.$(( ${gateway##*.} - 1 ))/${FLANNEL_SUBNET#*/}"
ip link show cni0 >/dev/null 2>&1 || ip link add cni0 type bridge
ip addr replace "$FLANNEL_SUBNET" dev cni0
ip link set cni0 up
cat > /etc/cni/net.d/10-kubelab.conflist.tmp <<CONF
{
  "cniVersion": "0.4.0",
  "name": "kubelab",
  "plugins": [
    {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true, "mtu": $FLANNEL_MTU,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$pod_subnet"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
CONF
mv /etc/cni/net.d/10-kubelab.conflist.tmp /etc/cni/net.d/10-kubelab.conflist
