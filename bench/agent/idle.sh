#!/usr/bin/env bash
# Agent figures with all three planes in one agent: idle CPU and memory with a 1 M-entry threat
# feed, and the time to repair each deleted table (issue 10's "figures for your closing note").
#   usage: bench/agent/idle.sh BUILD_DIR [IDLE_SECONDS]
#
# Method: the lab (tests/lab/lib.sh), the agent in the laptop's namespace with the lab policy
# (forced VPN), an `apps:` rule attached to a cgroup and bpffs pin directory of this run's own,
# and a file:// feed of 1,000,000 entries (tests/threats/big_feed.py: nothing merges); the tunnel
# up. Once the feed's `threat-feed` event says it is loaded: RSS (VmRSS) and peak RSS (VmHWM)
# from /proc/PID/status, CPU from utime+stime of every thread in /proc/PID/stat over
# IDLE_SECONDS (default 30) without any network change (the 10 s full check of every plane, the
# 250 ms BPF link check and the periodic probe run in that time). The baseline in the same run:
# the same agent and policy without the feed. Then each table is deleted with `nft delete table`
# and the time until it is back is polled every 10 ms (inet netwarden: a compile + replace;
# inet netwarden_threats: a full reload of the 1 M entries from the manager's lists).
set -euo pipefail
BUILD_DIR=$(readlink -f "${1:-build}")
IDLE=${2:-30}
NETWARDEN=$BUILD_DIR/netwarden
NW_PROBE=${NW_PROBE:-$BUILD_DIR/nw_probe}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../tests/lab/lib.sh"
source "$here/../../tests/agent_lab/agent_lib.sh"

lab_init bid
agent_apps_sandbox bench-idle
CG=$AGENT_CG
PIN=$AGENT_PIN
lab_build
python3 "$here/../../tests/threats/big_feed.py" "$LAB_DIR/feed.txt" 500000
AGENT_POLICY=$LAB_DIR/policy.yaml
write_policy() {  # write_policy with-feed|no-feed
  agent_policy "$AGENT_POLICY" none
  cat >>"$AGENT_POLICY" <<YAML
apps:
  default: allow
  rules:
    - {name: no-web, program: /usr/bin/wget, protocol: tcp, ports: [80], action: deny}
YAML
  if [[ $1 == with-feed ]]; then
    cat >>"$AGENT_POLICY" <<YAML
threat_feeds:
  - {name: big, url: "file://$LAB_DIR/feed.txt", refresh: 24h, action: block}
YAML
  fi
}
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$AGENT_PID/stat"; }
idle() {  # idle LABEL
  local a b rss hwm
  sleep 3
  [[ -n "${BENCH_PERF_IDLE:-}" ]] && { perf record -g -o "$BENCH_PERF_IDLE.$1" -p "$AGENT_PID" -- sleep "$IDLE" >/dev/null 2>&1 & }
  a=$(ticks)
  sleep "$IDLE"
  b=$(ticks)
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$AGENT_PID/status")
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$AGENT_PID/status")
  printf '%-34s RSS %4d MiB (peak %4d MiB)  CPU over %s s idle: %5.2f %%\n' "$1" $((rss / 1024)) \
    $((hwm / 1024)) "$IDLE" "$(awk -v t=$((b - a)) -v hz="$hz" -v s="$IDLE" 'BEGIN {print t / hz / s * 100}')"
}
# ms_until 'COMMAND' LIMIT_MS: polls every 10 ms; prints the milliseconds it took, or "timeout".
ms_until() {
  local cmd=$1 limit=$2 start now
  start=$(date +%s%N)
  while true; do
    bash -c "$cmd" >/dev/null 2>&1 && { now=$(date +%s%N); echo $(((now - start) / 1000000)); return 0; }
    now=$(date +%s%N)
    (((now - start) / 1000000 > limit)) && { echo timeout; return 0; }
    sleep 0.01
  done
}

lab_walk home
lab_tunnel_up
run() {  # run with-feed|no-feed
  write_policy "$1"
  AGENT_EVENTS=$LAB_DIR/events-$1.jsonl
  local t0=$(date +%s%N)
  AGENT_HOST_SYS=1 agent_start --cgroup "$CG" --pin "$PIN"
  if [[ $1 == with-feed ]]; then
    agent_wait_event '.event == "threat-feed" and .feed == "big" and .entries == 1000000' 120 ||
      lab_die "feed not loaded: $(agent_events '.event == "threat-feed"')"
    echo "agent start to the 1 M-entry feed in force (disk copy): $((($(date +%s%N) - t0) / 1000000)) ms"
  fi
  agent_wait_state tunnel 15 || lab_die "agent did not see the tunnel: $(agent_status)"
  idle "three planes, $1"
}
run no-feed
agent_kill9
lab_ns lap nft delete table inet netwarden_threats 2>/dev/null || true
run with-feed
repaired() { agent_status | jq '.counters.drift_repaired // 0'; }
before=$(repaired)
lab_ns lap nft delete table inet netwarden
t=$(ms_until "ip netns exec $LAB_LAP nft list chain inet netwarden output | grep -q 'policy drop'" 5000)
echo "repair of a deleted inet netwarden (with the 1 M feed loaded): $t ms"
lab_wait 5 bash -c "[[ \$('$NETWARDEN' status --control '$AGENT_SOCK' --json | jq '.counters.drift_repaired // 0') -gt $before ]]" || true
before=$(repaired)
# `nft list tables` only: listing the table itself would dump a million elements.
[[ -n "${BENCH_PERF:-}" ]] && { perf record -g -o "$BENCH_PERF" -p "$AGENT_PID" -- sleep 20 >/dev/null 2>&1 & }
lab_ns lap nft delete table inet netwarden_threats
t=$(ms_until "[[ \$('$NETWARDEN' status --control '$AGENT_SOCK' --json | jq '.counters.drift_repaired // 0') -gt $before ]]" 60000)
echo "repair of a deleted inet netwarden_threats (1 M entries, full reload; the loop waits for it): $t ms"
lab_check "threat table back" "yes" "$(lab_ns lap nft list tables | grep -q netwarden_threats && echo yes || echo no)"
echo "agent counters: $(agent_status | jq -c .counters)"
