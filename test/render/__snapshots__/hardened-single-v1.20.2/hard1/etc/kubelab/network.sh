#!/bin/sh
# kubelab: node hard1's part of the pod network (overlay: routes).
# Idempotent: kubelab-network.service runs it at every boot.
set -eu

# The pod bridge, holding the gateway of this node's pod subnet 10.100.0.0/24.
ip link show cni0 >/dev/null 2>&1 || ip link add cni0 type bridge
ip addr replace 10.100.0.1/24 dev cni0
ip link set cni0 up

# Pods reach what is outside the pod network through this node's address.
iptables -t nat -C POSTROUTING -s 10.100.0.0/16 ! -d 10.100.0.0/16 -j MASQUERADE 2>/dev/null || iptables -t nat -A POSTROUTING -s 10.100.0.0/16 ! -d 10.100.0.0/16 -j MASQUERADE
