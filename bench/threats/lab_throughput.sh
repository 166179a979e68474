#!/usr/bin/env bash
# Throughput over the lab's veth path laptop → home router (NAT) → internet → server with a
# 1 M-entry IP-reputation feed loaded in the laptop namespace vs without it (iperf3, TCP and
# 64-byte UDP datagrams).
#   usage: bench/threats/lab_throughput.sh BUILD_DIR [SECONDS] [ROUNDS]
# Each round measures three states, in this order: no ruleset at all, the forced-VPN ruleset
# (as bench/throughput.sh: laptop at home, untrusted, iperf3 to a breakout address so the flow is
# allowed), and the same ruleset plus `netwarden threats apply` of 1 M entries (500 k single
# addresses + 500 k /30 prefixes, as bench/threats/run.sh, plus one other breakout address that
# proves the sets are in force). The iperf3 target is listed by no entry: every packet pays the
# per-feed set lookups in the output hook and is then accepted. Rounds alternate so that load
# from other users of the machine hits every state; medians are printed.
set -euo pipefail
SECS=${2:-3}
ROUNDS=${3:-5}
source "$(dirname "$0")/../lab_iperf.sh"
iperf_lab_setup bnth "${1:?usage: $0 BUILD_DIR [SECONDS] [ROUNDS]}"
# TARGET (203.0.113.5) is breakout and in no entry of the feed.
LISTED=203.0.113.6 # breakout too, but in the feed: rejected only while the sets are loaded

/usr/bin/python3 "$(dirname "$0")/../../tests/threats/big_feed.py" "$LAB_DIR/feed.txt" 500000 "$LISTED"
THREATS_POLICY=$LAB_DIR/threats.yaml
{
  cat "$POLICY"
  echo "threat_feeds:"
  echo "  - {name: bench, url: \"file://$LAB_DIR/feed.txt\", format: plain, action: block}"
} >"$THREATS_POLICY"
CACHE=$LAB_DIR/threats-cache

flush_all() {
  lab_ns lap "$NETWARDEN" threats flush --cache "$CACHE" >/dev/null 2>&1 || true
  lab_ns lap "$NETWARDEN" flush --pin "$LAB_DIR/pins" --threat-cache "$CACHE" >/dev/null 2>&1 || true
}
apply_rules() { lab_ns lap "$NETWARDEN" apply "$POLICY" --situation "$SIT" >/dev/null; }
apply_sets() {
  local out
  out=$(lab_ns lap "$NETWARDEN" threats apply "$THREATS_POLICY" --cache "$CACHE") || {
    echo "$out" >&2
    lab_die "threats apply failed"
  }
  [[ $out == *"bench (block): 1000001 entries"* ]] || lab_die "feed not loaded: $out"
}
verdict() { lab_probe1 tcp "$1" 80 | cut -d' ' -f1; }

measure() { iperf_measure "$1" "$SECS"; }

# The states are what they claim to be: the listed breakout address answers with the ruleset
# alone and is rejected once the sets are in; the target answers in every state.
flush_all
apply_rules
[[ $(verdict $LISTED) == allow ]] || lab_die "$LISTED not allowed by the ruleset alone"
start=$(date +%s.%N)
apply_sets
LOAD_TIME=$(printf %.2f "$(echo "$(date +%s.%N) - $start" | bc)")
[[ $(verdict $LISTED) == reject ]] || lab_die "$LISTED (listed) not rejected with the sets loaded"
[[ $(verdict "$TARGET") == allow ]] || lab_die "the target $TARGET is not allowed with the sets loaded"

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
echo "1 M-entry feed loaded in the laptop namespace in ${LOAD_TIME}s (threats apply, file://)"
for proto in tcp udp; do
  none_runs=() rules_runs=() sets_runs=()
  for ((r = 1; r <= ROUNDS; r++)); do
    flush_all
    none_runs+=("$(measure $proto)")
    apply_rules
    rules_runs+=("$(measure $proto)")
    apply_sets
    sets_runs+=("$(measure $proto)")
    echo "$proto round $r: none ${none_runs[-1]}, ruleset ${rules_runs[-1]}, ruleset + 1 M sets ${sets_runs[-1]} Mbit/s" >&2
  done
  none=$(median "${none_runs[@]}")
  rules=$(median "${rules_runs[@]}")
  sets=$(median "${sets_runs[@]}")
  what="TCP"
  [[ $proto == udp ]] && what="UDP, 64-byte datagrams"
  echo "throughput ($what; iperf3 laptop -> $TARGET over veth + 2 routers; ${SECS}s x $ROUNDS rounds, median; load average at start: $LOAD):"
  printf '  %-34s %8s Mbit/s   (runs: %s)\n' "no ruleset" "$none" "${none_runs[*]}"
  printf '  %-34s %8s Mbit/s   (runs: %s)\n' "forced-VPN ruleset" "$rules" "${rules_runs[*]}"
  printf '  %-34s %8s Mbit/s   (runs: %s)\n' "ruleset + 1 M-entry sets" "$sets" "${sets_runs[*]}"
  echo "  ratio with sets / ruleset alone: $(ratio "$sets" "$rules"); with sets / no ruleset: $(ratio "$sets" "$none")"
done
flush_all
