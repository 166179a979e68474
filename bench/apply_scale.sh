#!/usr/bin/env bash
# Render + apply time for policies with 10 / 1,000 / 10,000 breakout CIDRs, against the baseline
# of loading the very same ruleset text with `nft -f` in the same run. Runs in a namespace of its
# own. Usage: bench/apply_scale.sh BUILD_DIR [REPEATS]
set -euo pipefail
binary=$(realpath "$1/netwarden")
repeats=${2:-5}
ns="nwb-apply-$$"
work=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
ip netns add "$ns"

now() { date +%s%N; }
ms() { echo "scale=1; ($2 - $1) / 1000000 / $repeats" | bc; }

printf '%-8s %12s %12s %14s %12s %10s\n' cidrs render_ms apply_ms apply_again_ms nft_f_ms ratio
for count in 10 1000 10000; do
  policy="$work/p$count.yaml"
  {
    printf 'version: 1\nvpn:\n  gateways:\n    - {address: 198.51.100.1, protocol: udp, port: 51820}\n'
    printf '  tunnel_interfaces: ["wg*"]\nexceptions:\n  lan: private\n  breakout:\n'
    for ((i = 0; i < count; i++)); do
      printf '    - cidr: %d.%d.%d.0/24\n' $((20 + i / 65536)) $(((i / 256) % 256)) $((i % 256))
    done
  } > "$policy"
  "$binary" render "$policy" > "$work/r$count.nft"

  t0=$(now); for ((r = 0; r < repeats; r++)); do "$binary" render "$policy" > /dev/null; done; t1=$(now)
  # Full replacement each time: flush first so every apply installs the whole table.
  apply_total=0
  for ((r = 0; r < repeats; r++)); do
    ip netns exec "$ns" "$binary" flush --pin "$work/pins" --threat-cache "$work/threats" > /dev/null
    a=$(now); ip netns exec "$ns" "$binary" apply "$policy" > /dev/null; b=$(now)
    apply_total=$((apply_total + b - a))
  done
  # Same structure already installed: the set-update path.
  a=$(now); for ((r = 0; r < repeats; r++)); do ip netns exec "$ns" "$binary" apply "$policy" > /dev/null; done; b=$(now)
  again_total=$((b - a))
  # Baseline: the nft program loading the identical text.
  nft_total=0
  for ((r = 0; r < repeats; r++)); do
    ip netns exec "$ns" nft flush ruleset
    c=$(now); ip netns exec "$ns" nft -f "$work/r$count.nft"; d=$(now)
    nft_total=$((nft_total + d - c))
  done
  ip netns exec "$ns" nft flush ruleset
  printf '%-8s %12s %12s %14s %12s %10s\n' "$count" "$(ms "$t0" "$t1")" "$(ms 0 $apply_total)" \
    "$(ms 0 $again_total)" "$(ms 0 $nft_total)" "$(echo "scale=2; $apply_total / $nft_total" | bc)"
done
echo "apply_ms = netwarden apply (render + one atomic transaction + read-back verification);"
echo "ratio = apply_ms / nft_f_ms (the nft program loading the same ruleset text, same run)"
