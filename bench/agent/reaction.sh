#!/usr/bin/env bash
# Agent figures: reaction time from a netlink event to the updated ruleset in force — the old
# behaviour (every snapshot waits for the 50 ms debounce: `--trailing-debounce`) against the
# current one (the first change of a burst is acted on at once) in the same run — and the
# agent's idle memory and CPU.
#   usage: bench/agent/reaction.sh BUILD_DIR [CHANGES]
#
# Method (reaction time): the agent runs in the lab's laptop namespace (tests/lab/lib.sh) with
# the lab policy (tunnel_interfaces ["wgl*"]). A driver (python3, bench/agent/reaction_driver.py)
# makes CHANGES netlink events (default 200): it alternately creates and deletes an interface
# named like a tunnel (wgl<id>x: a tun device, as wireguard-go and OpenVPN make, brought up) and, in
# parallel, reads `nft monitor` in the same namespace, which prints the kernel's set-element
# changes as they are committed. For each change the reaction is the time
# from the moment the driver's own rtnetlink socket (bench/agent/reaction_driver.py, in the same
# namespace, subscribed like the agent's) received the RTM_NEWLINK/RTM_DELLINK notification to
# the moment the monitor printed the matching element of set tunnel_ifaces being added or deleted
# (the update is then in force: nft commits are atomic). The figure includes the agent's 50 ms
# debounce, the snapshot, compile and apply. Before each change the driver waits until the
# previous one was seen, plus a random 20-120 ms pause, so changes never fold together. Also
# printed: from before `ip` was started.
#
# Method (idle): after the changes, RSS from /proc/PID/status (VmRSS), and CPU over 10 s from
# utime+stime in /proc/PID/stat (all threads) with no network change. (The agent's timers —
# the 60 s periodic probe, re-resolution at TTL >= 30 s — may or may not fall into those 10 s.)
set -euo pipefail
BUILD_DIR=$(readlink -f "${1:-build}")
CHANGES=${2:-200}
NETWARDEN=$BUILD_DIR/netwarden
NW_PROBE=${NW_PROBE:-$BUILD_DIR/nw_probe}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../tests/lab/lib.sh"
source "$here/../../tests/agent_lab/agent_lib.sh"

lab_init bag
lab_build
AGENT_POLICY=$LAB_DIR/policy.yaml
agent_policy "$AGENT_POLICY" none
lab_walk home
measure() {
  local label=$1
  shift
  agent_start "$@"
  agent_wait_state blocked 10 || lab_die "agent not blocked"
  agent_wait ".gateways | map(.address) | index(\"$LAB_GW_PUB4\") != null" 15 || true
  sleep 1
  ip netns exec "$LAB_LAP" python3 "$here/reaction_driver.py" "wgl${LAB_ID}x" "$CHANGES" \
    "$LAB_DIR/reaction-$label.txt" " — $label"
}
measure "baseline: every snapshot debounced (--trailing-debounce)" --trailing-debounce
agent_kill9
measure "now: first change of a burst at once"

pid=$AGENT_PID
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
sleep 2
a=$(ticks)
sleep 10
b=$(ticks)
echo "agent idle: RSS $((rss / 1024)) MiB ($rss kB); CPU over 10 s idle: $((b - a)) ticks of 1/$hz s = $(awk -v t=$((b - a)) -v hz="$hz" 'BEGIN {printf "%.2f", t / hz / 10 * 100}') %"
echo "agent counters: $(agent_status | jq -c .counters)"
