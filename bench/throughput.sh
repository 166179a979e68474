#!/usr/bin/env bash
# Throughput over the lab's veth path laptop → home router (NAT) → internet → server, with
# netwarden's ruleset applied vs no ruleset at all in the laptop namespace (iperf3, TCP).
#   usage: bench/throughput.sh BUILD_DIR [SECONDS] [ROUNDS]
# With the ruleset the laptop is at home (untrusted) and talks to a breakout address
# (203.0.113.5, in the policy's breakout range), so the traffic is allowed by the policy and every
# packet crosses our output/input chains (and conntrack, which the ruleset switches on). Runs
# alternate (none, ruleset, none, ...) so that load from other users of the machine hits both.
set -euo pipefail
BUILD_DIR=$(readlink -f "${1:?usage: $0 BUILD_DIR [SECONDS] [ROUNDS]}")
SECS=${2:-3}
ROUNDS=${3:-5}
NETWARDEN=$BUILD_DIR/netwarden
[[ -x "$NETWARDEN" ]] || { echo "throughput: $NETWARDEN is not built" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "throughput: iperf3 missing (scripts/install-deps.sh)" >&2; exit 1; }
NETWARDEN_BUILD_DIR=$BUILD_DIR
source "$(dirname "$0")/../tests/lab/lib.sh"

lab_init bnch 2>/dev/null
lab_build 2>/dev/null
lab_walk home 2>/dev/null
POLICY=$LAB_DIR/policy.yaml
SIT=$LAB_DIR/situation.yaml
lab_policy "$POLICY" private
lab_situation "$SIT"
TARGET=$LAB_BREAKOUT4
lab_daemon iperf3 web iperf3 -s -p 5201 -B "$TARGET" # AnyIP: bind, so UDP answers come from it
lab_wait 10 _lab_listening web tcp 5201 || lab_die "iperf3 server did not start"

# One run: prints receiver Mbit/s. measure tcp|udp (udp: 64-byte datagrams, unlimited rate:
# the per-packet cost of the ruleset, which TCP's large segments hide).
measure() {
  local out args=()
  [[ $1 == udp ]] && args=(-u -b 0 -l 64)
  out=$(lab_ns lap iperf3 -c "$TARGET" -p 5201 -t "$SECS" -f m "${args[@]}" 2>&1) || {
    echo "$out" >&2
    lab_die "iperf3 failed"
  }
  awk '/receiver/ {for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1)}' <<<"$out" | tail -1
}

# Median: the machine is shared, single runs swing with other users' load.
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for proto in tcp udp; do
  none_runs=()
  rules_runs=()
  for ((r = 1; r <= ROUNDS; r++)); do
    lab_ns lap "$NETWARDEN" flush >/dev/null 2>&1 || true
    none_runs+=("$(measure $proto)")
    # Allowed by the policy as breakout (the run would fail if it were not).
    lab_ns lap "$NETWARDEN" apply "$POLICY" --situation "$SIT" >/dev/null
    rules_runs+=("$(measure $proto)")
    echo "$proto round $r: no ruleset ${none_runs[-1]} Mbit/s, netwarden ruleset ${rules_runs[-1]} Mbit/s" >&2
  done
  lab_ns lap "$NETWARDEN" flush >/dev/null 2>&1 || true
  none=$(median "${none_runs[@]}")
  rules=$(median "${rules_runs[@]}")
  what="TCP"
  [[ $proto == udp ]] && what="UDP, 64-byte datagrams"
  echo "throughput ($what; iperf3 laptop -> $TARGET over veth + 2 routers; ${SECS}s x $ROUNDS rounds, median; load average at start: $LOAD):"
  printf '  %-34s %8s Mbit/s   (runs: %s)\n' "no ruleset" "$none" "${none_runs[*]}"
  printf '  %-34s %8s Mbit/s   (runs: %s)\n' "netwarden ruleset (breakout flow)" "$rules" "${rules_runs[*]}"
  echo "  ratio ruleset / none: $(awk -v a="$rules" -v b="$none" 'BEGIN {printf "%.3f", a / b}')"
done
