#!/usr/bin/env bash
# Apply time of N breakout entries that name ports (a prefix set and a port-range rule per
# distinct protocols + ports) against N entries without ports (one interval set of prefixes), and
# the element counts the kernel holds. In a namespace of its own; only table inet netwarden is touched.
# Usage: bench/breakout_ports_scale.sh BUILD_DIR [REPEATS]
# 2026-12-02, 2 cores shared (load ~7), 3 repeats: 5,000 entries with ports (10,501 prefixes in
# two profile sets + 500 nested /28s in a third) apply in 768 ms, set update 829 ms; 5,000 without
# ports 327 / 424 ms. The first shape tried, one `prefix . proto . port-range` interval
# concatenation, took 2,019 ms and 7,796 ms (pipapo insertions grow with the set): replaced.
set -euo pipefail
binary=$(realpath "$1/netwarden")
repeats=${2:-3}
ns="nwb-bports-$$"
work=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
ip netns add "$ns"

now() { date +%s%N; }
ms() { echo "scale=1; $1 / 1000000 / $repeats" | bc; }

# policy FILE COUNT KIND: COUNT /24 breakouts; KIND ports: each udp 3478-3481 and tcp 443, and
# every tenth also nests a /28 with other tcp ports (a third profile).
policy() {
  {
    printf 'version: 1\nvpn:\n  gateways:\n    - {address: 198.51.100.1, protocol: udp, port: 51820}\n'
    printf '  tunnel_interfaces: ["wg*"]\nexceptions:\n  breakout:\n'
    for ((i = 0; i < $2; i++)); do
      local net
      net=$(printf '%d.%d.%d' $((20 + i / 65536)) $(((i / 256) % 256)) $((i % 256)))
      if [[ $3 == ports ]]; then
        printf '    - {cidr: %s.0/24, protocol: udp, ports: [3478-3481]}\n' "$net"
        printf '    - {cidr: %s.0/24, protocol: tcp, ports: [443]}\n' "$net"
        if ((i % 10 == 0)); then
          printf '    - {cidr: %s.16/28, protocol: tcp, ports: [80-8080]}\n' "$net"
        fi
      else
        printf '    - {cidr: %s.0/24}\n' "$net"
      fi
    done
  } >"$1"
}

printf '%-8s %-6s %10s %12s %14s\n' entries kind elements apply_ms apply_again_ms
for count in 10 1000 5000; do
  for kind in all ports; do
    file="$work/p$count$kind.yaml"
    policy "$file" "$count" "$kind"
    total=0
    for ((r = 0; r < repeats; r++)); do
      ip netns exec "$ns" nft delete table inet netwarden 2>/dev/null || true
      a=$(now)
      ip netns exec "$ns" "$binary" apply "$file" >"$work/out"
      b=$(now)
      total=$((total + b - a))
    done
    elements=$(grep -o '[0-9]* set elements' "$work/out" | cut -d' ' -f1)
    a=$(now)
    for ((r = 0; r < repeats; r++)); do ip netns exec "$ns" "$binary" apply "$file" >/dev/null; done
    b=$(now)
    printf '%-8s %-6s %10s %12s %14s\n' "$count" "$kind" "$elements" "$(ms $total)" "$(ms $((b - a)))"
  done
done
echo "apply_ms: a new table (render + one atomic transaction + read-back verification);"
echo "apply_again_ms: the same structure installed (the set-update path)"
