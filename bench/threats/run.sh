#!/usr/bin/env bash
# Load time and peak memory of 1 M reputation entries (half single addresses, half prefixes):
# `netwarden threats apply` (libnftnl netlink batches, one transaction) against `nft -f` of the
# same content, then one incremental refresh with 10 k changes. Each run in a namespace of its own.
# usage: bench/threats/run.sh [build/netwarden] [entries]
set -euo pipefail
binary=$(realpath "${1:-build/netwarden}")
entries=${2:-1000000}
half=$((entries / 2))
work=$(mktemp -d)
ns="nwt-bench-$$"
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

# The scale test's synthetic feed (tests/threats/big_feed.py): nothing overlaps or touches, so both
# loaders keep exactly `entries` elements.
/usr/bin/python3 - "$half" "$work" "$(dirname "$0")/../../tests/threats" <<'PY'
import sys
half, work = int(sys.argv[1]), sys.argv[2]
sys.path.insert(0, sys.argv[3])
from big_feed import hosts, nets, v4, write
hosts, nets = hosts(half), nets(half)
write(f"{work}/feed.txt", hosts + nets)
# 10 k changes: 5 k hosts removed, 5 k new hosts added.
write(f"{work}/feed2.txt", hosts[5000:] + [v4(0x0d000000 + 2 * i) for i in range(5000)] + nets)
with open(f"{work}/nft.txt", "w") as f:
    f.write("table inet bench {\n set h { type ipv4_addr; elements = {\n")
    f.write(",\n".join(hosts) + " }\n }\n set n { type ipv4_addr; flags interval; elements = {\n")
    f.write(",\n".join(nets) + " }\n }\n}\n")
PY
cat > "$work/policy.yaml" <<YAML
version: 1
vpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]}
threat_feeds:
  - {name: bench, url: "file://$work/current.txt", format: plain, action: block}
YAML

measure() {  # label command...: prints wall time and peak RSS from /usr/bin/time -v
  local label=$1; shift
  /usr/bin/time -v "$@" > "$work/out" 2> "$work/time" || { cat "$work/out" "$work/time"; exit 1; }
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$work/time" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$work/time" | awk '{print $NF}')
  printf '%-52s %10s s %8d MB\n' "$label" "$wall" $((rss / 1024))
}
slab() { awk '/^Slab:/{s=$2} /^VmallocUsed:/{v=$2} END{print s + v}' /proc/meminfo; }

echo "entries: $entries ($half addresses + $half /30 prefixes), kernel $(uname -r)"
ip netns add "$ns"
cp "$work/feed.txt" "$work/current.txt"
before=$(slab)
measure "netwarden threats apply (full load, 1 transaction)" \
  ip netns exec "$ns" "$binary" threats apply "$work/policy.yaml" --cache "$work/cache"
after=$(slab)
grep kernel: "$work/out"
echo "kernel memory (Slab+VmallocUsed delta): $(((after - before) / 1024)) MB"
# Enforced: listed host and an address inside a listed prefix refused, their neighbours answer.
ip netns exec "$ns" ip link set lo up
for a in 11.0.0.2 11.0.0.3 11.0.46.224 12.0.0.1 12.0.0.5; do ip netns exec "$ns" ip addr add "$a/32" dev lo; done
probe() { ip netns exec "$ns" ping -c1 -W1 "$1" >/dev/null 2>&1 && echo reachable || echo refused; }
echo "enforced: 11.0.0.2 (listed) $(probe 11.0.0.2), 11.0.0.3 $(probe 11.0.0.3)," \
  "12.0.0.1 (in 12.0.0.0/30) $(probe 12.0.0.1), 12.0.0.5 $(probe 12.0.0.5)"
# Throughput over the namespace's loopback (every packet passes the output hook lookups).
throughput() {
  ip netns exec "$ns" iperf3 -s -1 -B 11.0.0.3 >/dev/null 2>&1 &
  sleep 0.5
  ip netns exec "$ns" iperf3 -c 11.0.0.3 -t 3 -J | /usr/bin/python3 -c \
    'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9, 2))'
  wait
}
with_sets=$(throughput)
cp "$work/feed2.txt" "$work/current.txt"
measure "netwarden threats apply (10 k changes, diff)" \
  ip netns exec "$ns" "$binary" threats apply "$work/policy.yaml" --cache "$work/cache"
grep -E "bench|kernel:" "$work/out"
measure "netwarden threats flush" ip netns exec "$ns" "$binary" threats flush --cache "$work/cache"
without_sets=$(throughput)
echo "iperf3 over lo: ${with_sets} Gbit/s with the 1 M-entry sets, ${without_sets} Gbit/s without"
measure "netwarden threats apply --offline (restart from disk)" \
  ip netns exec "$ns" "$binary" threats apply "$work/policy.yaml" --cache "$work/cache" --offline
echo "after restart: 11.0.46.224 (still listed) $(probe 11.0.46.224), 11.0.0.2 (removed by the refresh) $(probe 11.0.0.2), 12.0.0.1 $(probe 12.0.0.1)"
ip netns del "$ns"

ip netns add "$ns"
measure "nft -f (same content, text path)" ip netns exec "$ns" nft -f "$work/nft.txt"
measure "nft add element (one element into the interval set)" \
  ip netns exec "$ns" nft add element inet bench n '{ 14.0.0.0/30 }'
