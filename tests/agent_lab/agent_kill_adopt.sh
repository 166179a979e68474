#!/usr/bin/env bash
# Agent lab test: kill -9 of the agent, then a restart that adopts the table.
#   usage: agent_kill_adopt.sh NETWARDEN_BINARY
# 1. Blocked at home: the agent is killed with SIGKILL. The kernel keeps the table: every flow to
#    public/private targets is still rejected and the physical link carries nothing but allowed
#    packets. A restarted agent (same state file) adopts the table: no apply of its life is a
#    replacement (its first is "sets-updated"), the generation comment is kept.
# 2. Tunnel up, a ping loop (every 50 ms) through the tunnel to the web server runs across a
#    kill -9 and a restart: the loop never stops (no lost reply beyond a small allowance for
#    scheduling), the link carries only WireGuard, the web server sees only the gateway's address.
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/../lab/lib.sh"
source "$(dirname "$0")/agent_lib.sh"

lab_init aka
lab_build
AGENT_POLICY=$LAB_DIR/policy.yaml
agent_policy "$AGENT_POLICY" none

FLOWS="tcp $LAB_WEB4 80 65534
udp $LAB_WEB4 5000 65534
icmp $LAB_WEB4 0 65534
tcp $LAB_WEB4 443 0
udp $LAB_PUBDNS4 53 0
tcp $LAB_CORP4 22 65534
udp 192.168.1.200 5000 0
tcp $LAB_WEB6 80 65534"

all_rejected() { # NAME: every flow rejected
  local bad
  lab_probe --timeout-ms 1500 <<<"$FLOWS" >"$LAB_DIR/$1.out"
  bad=$(paste -d' ' <(echo "$FLOWS") "$LAB_DIR/$1.out" | awk '$5 != "reject"' | first3)
  lab_check "$1: all $(wc -l <<<"$FLOWS") flows rejected" "none" "${bad:-none}"
}

echo "== 1. blocked at home, kill -9"
lab_walk home
agent_start
agent_wait_state blocked 10 || lab_die "not blocked at home: $(agent_status)"
agent_wait ".gateways | map(.address) | index(\"$LAB_GW_PUB4\") != null" 15 || lab_die "gateway not resolved"
MAC=$(agent_mac eth0)
lab_capture_start killed-blocked lap eth0
agent_kill9
lab_check "agent is gone" "gone" "$(kill -0 "$AGENT_PID" 2>/dev/null && echo alive || echo gone)"
lab_check "table still in the kernel" "present" "$(agent_nft_table | grep -q 'hook output' && echo present || echo absent)"
all_rejected "agent dead, blocked"
# A network change while no agent runs: still enforced (the table does not depend on the agent).
lab_walk home
MAC=$(agent_mac eth0)
all_rejected "agent dead, after re-joining the network"
lab_capture_stop killed-blocked
n=$(lab_capture_count killed-blocked "$(agent_leak_filter "$MAC")")
lab_check "agent dead: physical link carried only allowed packets" "0" "$n"

echo "== restart: the new agent adopts the table"
table_comment() { agent_nft_table | sed -n 's/.*comment "\(.*\)".*/\1/p' | head -1; }
before=$(table_comment)
agent_start
agent_wait_state blocked 10 || true
lab_check "restarted agent: state" "blocked" "$(agent_field .state)"
lab_check "restarted agent: first apply updated sets only" "sets-updated" \
  "$(agent_field '.last_apply.mode')"
lab_check "restarted agent: no replacement of the table" "0" "$(agent_field '.counters.replacements // 0')"
lab_check "table structure digest unchanged" "same" "$([[ "$(table_comment)" == "$before" ]] && echo same || echo "changed: $before -> $(table_comment)")"
all_rejected "restarted agent"

echo "== 2. tunnel up, traffic loop across kill -9 and restart"
lab_tunnel_up
agent_wait_state tunnel 10 || lab_die "agent did not see the tunnel: $(agent_status)"
lab_wait 30 bash -c "echo 'icmp $LAB_WEB4 0 0' | ip netns exec $LAB_LAP $NW_PROBE --timeout-ms 1000 | grep -q ^allow" ||
  lab_die "no traffic through the tunnel"
lab_capture_start tunnel-phys lap eth0
lab_capture_start tunnel-web web wan0
# ping every 50 ms, each reply awaited at most 1 s; -O prints "no answer yet" for every loss.
ip netns exec "$LAB_LAP" ping -n -D -O -i 0.05 -W 1 "$LAB_WEB4" >"$LAB_DIR/ping.log" 2>&1 &
PING_PID=$!
echo $PING_PID >"$LAB_DIR/pids/ping"
sleep 1.5
agent_kill9
t_kill=$(date +%s.%N)
sleep 2 # no agent at all
lab_check "tunnel carries traffic with the agent dead" "allow" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"
agent_start
t_start=$(date +%s.%N)
agent_wait_state tunnel 10 || true
sleep 2
kill -INT "$PING_PID" 2>/dev/null || true
wait "$PING_PID" 2>/dev/null || true
rm -f "$LAB_DIR/pids/ping"
lab_capture_stop tunnel-phys
lab_capture_stop tunnel-web
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$LAB_DIR/ping.log")
recv=$(sed -n 's/.*transmitted, \([0-9]*\) received.*/\1/p' "$LAB_DIR/ping.log")
lost=$(( ${sent:-0} - ${recv:-0} ))
# The largest gap between consecutive replies (the ping loop "stopping").
gap=$(awk -F'[][]' '/bytes from/ {t=$2; if (p) {d=t-p; if (d>m) m=d}; p=t} END {printf "%d", m*1000}' "$LAB_DIR/ping.log")
echo "  ping: $sent sent, $recv answered, $lost lost, largest gap between replies ${gap} ms (kill at $t_kill, restart at $t_start)"
lab_check "ping loop: replies received" "yes" "$( (( ${recv:-0} >= 80 )) && echo yes || echo "no (${recv:-0})")"
lab_check "ping loop never stopped (lost <= 2, gap < 1000 ms)" "yes" "$( (( lost <= 2 && gap < 1000 )) && echo yes || echo "no (lost $lost, gap ${gap} ms)")"
lab_check "restarted agent with the tunnel up: no replacement" "0" "$(agent_field '.counters.replacements // 0')"
lab_check "restarted agent with the tunnel up: last apply" "sets-updated" "$(agent_field '.last_apply.mode')"
n=$(lab_capture_count tunnel-phys "$(agent_leak_filter "$MAC")")
lab_check "tunnel phase: physical link carried only allowed packets" "0" \
  "$n$( ((n)) && lab_capture_read tunnel-phys "$(agent_leak_filter "$MAC")" | first3 | sed 's/^/ | /')"
direct=$(lab_capture_count tunnel-web "dst host $LAB_WEB4 and not src host $LAB_GW_PUB4")
lab_check "web server saw only the gateway's address" "0" "$direct"
lab_check "root namespace has no netwarden table" "none" "$(nft list table inet netwarden >/dev/null 2>&1 && echo PRESENT || echo none)"
lab_summary
