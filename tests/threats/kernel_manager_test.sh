#!/usr/bin/env bash
# Runs threat_kernel_test (the netlink ThreatKernel and agent::ThreatManager against the real
# kernel) inside a bare network namespace of its own, removed on exit even on failure.
set -euo pipefail
binary=$(realpath "$1")
ns="nwt-km-$$"
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
# A route out, so test packets reach the output hook (and the feed rules) instead of failing early.
ip netns exec "$ns" ip link add d0 type veth peer name d1
ip netns exec "$ns" ip addr add 192.0.2.10/24 dev d0
ip netns exec "$ns" ip link set d0 up
ip netns exec "$ns" ip link set d1 up
ip netns exec "$ns" ip route add default dev d0
ip netns exec "$ns" "$binary"
[[ -z $(nft list table inet netwarden_threats 2>/dev/null) ]] || { echo "FAIL: the host's ruleset was touched" >&2; exit 1; }
