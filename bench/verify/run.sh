#!/usr/bin/env bash
# `netwarden verify` with 10 / 1,000 / 10,000 breakout prefixes: wall time and peak memory of
# the proof over every packet, against the time of `netwarden apply` for the same policy in the
# same run (a namespace of the bench's own). Target: 10,000 prefixes in <= 1 s and <= 200 MB.
#   usage: bench/verify/run.sh BUILD_DIR [REPEATS]
set -euo pipefail
binary=$(realpath "$1/netwarden")
repeats=${2:-3}
ns="nwb-verify-$$"
work=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip link add eth0 type veth peer name eth0-peer

now() { date +%s%N; }
ms() { echo "scale=1; $1 / 1000000 / $repeats" | bc; }

printf '%-8s %10s %10s %12s %10s %12s %8s\n' prefixes apply_ms verify_ms verify_cpu_ms equiv_ms verify_rss_mb ratio
for count in 10 1000 10000; do
  policy="$work/p$count.yaml"
  {
    printf 'version: 1\nvpn:\n  gateways:\n    - {address: 198.51.100.1, protocol: udp, port: 51820}\n'
    printf '  tunnel_interfaces: ["wg*"]\nexceptions:\n  lan: private\n  breakout:\n'
    for ((i = 0; i < count; i++)); do
      printf '    - cidr: %d.%d.%d.0/24\n' $((20 + i / 65536)) $(((i / 256) % 256)) $((i % 256))
    done
  } > "$policy"
  apply_total=0
  for ((r = 0; r < repeats; r++)); do
    ip netns exec "$ns" "$binary" flush --pin "$work/pins" --threat-cache "$work/threats" > /dev/null
    a=$(now); ip netns exec "$ns" "$binary" apply "$policy" > /dev/null; b=$(now)
    apply_total=$((apply_total + b - a))
  done
  verify_total=0
  verify_cpu=0
  rss_kb=0
  for ((r = 0; r < repeats; r++)); do
    a=$(now)
    read -r user sys rss < <(ip netns exec "$ns" /usr/bin/time -f '%U %S %M' "$binary" verify "$policy" 2>&1 >/dev/null | tail -1)
    b=$(now)
    verify_total=$((verify_total + b - a))
    verify_cpu=$(echo "$verify_cpu + ($user + $sys) * 1000" | bc)
    ((rss > rss_kb)) && rss_kb=$rss
  done
  a=$(now)
  for ((r = 0; r < repeats; r++)); do ip netns exec "$ns" "$binary" verify --equivalence "$policy" > /dev/null; done
  b=$(now); equiv_total=$((b - a))
  printf '%-8s %10s %10s %12s %10s %12s %8s\n' "$count" "$(ms $apply_total)" "$(ms $verify_total)" \
    "$(echo "scale=1; $verify_cpu / $repeats" | bc)" "$(ms $equiv_total)" \
    "$(echo "scale=1; $rss_kb / 1024" | bc)" "$(echo "scale=2; $verify_total / $apply_total" | bc)"
done
echo "verify_ms = netwarden verify (read the tables back through libnftables, build the model, prove"
echo "the property for IPv4 and IPv6 on output, forward and input), wall time; verify_cpu_ms = its"
echo "user + system CPU time (the machine is shared: wall time includes waiting); ratio = verify_ms / apply_ms"
