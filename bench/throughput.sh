#!/usr/bin/env bash
# Throughput over the lab's veth path laptop → home router (NAT) → internet → server, with
# netwarden's ruleset applied vs no ruleset at all in the laptop namespace (iperf3, TCP).
#   usage: bench/throughput.sh BUILD_DIR [SECONDS] [ROUNDS]
# With the ruleset the laptop is at home (untrusted) and talks to a breakout address
# (203.0.113.5, in the policy's breakout range), so the traffic is allowed by the policy and every
# packet crosses our output/input chains (and conntrack, which the ruleset switches on). Runs
# alternate (none, ruleset, none, ...) so that load from other users of the machine hits both.
set -euo pipefail
SECS=${2:-3}
ROUNDS=${3:-5}
source "$(dirname "$0")/lab_iperf.sh"
iperf_lab_setup bnch "${1:?usage: $0 BUILD_DIR [SECONDS] [ROUNDS]}"
measure() { iperf_measure "$1" "$SECS"; }

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for proto in tcp udp; do
  none_runs=()
  rules_runs=()
  for ((r = 1; r <= ROUNDS; r++)); do
    lab_ns lap "$NETWARDEN" flush --pin "$LAB_DIR/pins" --threat-cache "$LAB_DIR/threats" >/dev/null 2>&1 || true
    none_runs+=("$(measure $proto)")
    # Allowed by the policy as breakout (the run would fail if it were not).
    lab_ns lap "$NETWARDEN" apply "$POLICY" --situation "$SIT" >/dev/null
    rules_runs+=("$(measure $proto)")
    echo "$proto round $r: no ruleset ${none_runs[-1]} Mbit/s, netwarden ruleset ${rules_runs[-1]} Mbit/s" >&2
  done
  lab_ns lap "$NETWARDEN" flush --pin "$LAB_DIR/pins" --threat-cache "$LAB_DIR/threats" >/dev/null 2>&1 || true
  none=$(median "${none_runs[@]}")
  rules=$(median "${rules_runs[@]}")
  what="TCP"
  [[ $proto == udp ]] && what="UDP, 64-byte datagrams"
  echo "throughput ($what; iperf3 laptop -> $TARGET over veth + 2 routers; ${SECS}s x $ROUNDS rounds, median; load average at start: $LOAD):"
  printf '  %-34s %8s Mbit/s   (runs: %s)\n' "no ruleset" "$none" "${none_runs[*]}"
  printf '  %-34s %8s Mbit/s   (runs: %s)\n' "netwarden ruleset (breakout flow)" "$rules" "${rules_runs[*]}"
  echo "  ratio ruleset / none: $(ratio "$rules" "$none")"
done
