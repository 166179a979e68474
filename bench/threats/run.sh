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

# Hosts: every other address from 11.0.0.0; prefixes: /30s every 8 addresses from 12.0.0.0 —
# nothing overlaps or touches, so both loaders keep exactly `entries` elements.
/usr/bin/python3 - "$half" "$work" <<'PY'
import sys, ipaddress
half, work = int(sys.argv[1]), sys.argv[2]
hosts = [str(ipaddress.IPv4Address(0x0b000000 + 2 * i)) for i in range(half)]
nets = [f"{ipaddress.IPv4Address(0x0c000000 + 8 * i)}/30" for i in range(half)]
with open(f"{work}/feed.txt", "w") as f:
    f.write("\n".join(hosts + nets) + "\n")
# 10 k changes: 5 k hosts removed, 5 k new hosts added.
changed = hosts[5000:] + [str(ipaddress.IPv4Address(0x0d000000 + 2 * i)) for i in range(5000)]
with open(f"{work}/feed2.txt", "w") as f:
    f.write("\n".join(changed + nets) + "\n")
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
cp "$work/feed2.txt" "$work/current.txt"
measure "netwarden threats apply (10 k changes, diff)" \
  ip netns exec "$ns" "$binary" threats apply "$work/policy.yaml" --cache "$work/cache"
grep -E "bench|kernel:" "$work/out"
ip netns del "$ns"

ip netns add "$ns"
measure "nft -f (same content, text path)" ip netns exec "$ns" nft -f "$work/nft.txt"
measure "nft add element (one element into the interval set)" \
  ip netns exec "$ns" nft add element inet bench n '{ 14.0.0.0/30 }'
