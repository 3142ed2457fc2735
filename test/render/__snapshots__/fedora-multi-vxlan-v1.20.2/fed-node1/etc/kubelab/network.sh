#!/bin/sh
# kubelab: node fed-node1's part of the pod network (overlay: vxlan).
# Idempotent: kubelab-network.service runs it at every boot.
set -eu

# The pod bridge, holding the gateway of this node's pod subnet 10.20.0.0/24.
ip link show cni0 >/dev/null 2>&1 || ip link add cni0 type bridge
ip addr replace 10.20.0.1/24 dev cni0
ip link set cni0 up

# Pods reach what is outside the pod network through this node's address.
iptables -t nat -C POSTROUTING -s 10.20.0.0/16 ! -d 10.20.0.0/16 -j MASQUERADE 2>/dev/null || iptables -t nat -A POSTROUTING -s 10.20.0.0/16 ! -d 10.20.0.0/16 -j MASQUERADE

# The VXLAN device, as flannel's vxlan backend makes it: VNI 1, UDP 8472, no learning.
dev=$(ip -o -4 addr show | awk -v ip=172.30.0.11 '{ split($4, a, "/"); if (a[1] == ip) { print $2; exit } }')
ip link show flannel.1 >/dev/null 2>&1 || ip link add flannel.1 type vxlan id 1 local 172.30.0.11 dev "$dev" dstport 8472 nolearning
ip link set flannel.1 address 02:00:ac:1e:00:0b mtu 1450 up
ip addr replace 10.20.0.0/32 dev flannel.1

# Node fed-node2 (172.30.0.12): pods 10.20.1.0/24.
ip neigh replace 10.20.1.0 lladdr 02:00:ac:1e:00:0c dev flannel.1 nud permanent
bridge fdb replace 02:00:ac:1e:00:0c dev flannel.1 dst 172.30.0.12
ip route replace 10.20.1.0/24 via 10.20.1.0 dev flannel.1 onlink
