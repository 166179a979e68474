#!/usr/bin/env bash
# Agent lab test: flapping networks under a running agent.
#   usage: agent_flapping.sh NETWARDEN_BINARY [CYCLES]
# The laptop moves in a tight loop (>= 100 cycles) between home, the office and no network, its
# address changes in place, and the WireGuard tunnel comes up and goes down, while a probe loop
# sends TCP, UDP, ICMP and DNS to the web server and other public addresses all the time. A
# capture on the web server's side proves that no plaintext packet from the laptop ever reached
# it: every packet must come from the gateway's address (through the tunnel), except from the
# office's public address while the agent had verified the office (state "trusted", checked
# against the agent's state events by time). Afterwards the agent is alive, never failed an
# apply, and its state matches the final network.
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY [CYCLES]}")
CYCLES=${2:-${NW_FLAP_CYCLES:-100}}
source "$(dirname "$0")/../lab/lib.sh"
source "$(dirname "$0")/agent_lib.sh"

lab_init afl
lab_build
AGENT_POLICY=$LAB_DIR/policy.yaml
# lan: private keeps the walks quick (lab_walk pings the laptop from the router) and allows
# nothing public: the web server is a public address.
agent_policy "$AGENT_POLICY" private
HOME_NAT=192.0.2.2
OFFICE_NAT=192.0.2.6

lab_walk home
agent_start
agent_wait_state blocked 10 || lab_die "not blocked at home"
agent_wait ".gateways | map(.address) | index(\"$LAB_GW_PUB4\") != null" 15 || lab_die "gateway not resolved"

# The web server's side sees everything that reaches it (tunnelled traffic arrives NATed by the
# gateway as 198.51.100.1; a leak from home would come from the home router's NAT address).
lab_capture_start web web wan0 "dst net 203.0.113.0/24"

# Probe loop: runs until the stop file appears.
FLOWS="tcp $LAB_WEB4 80 65534
udp $LAB_WEB4 5000 65534
icmp $LAB_WEB4 0 65534
tcp $LAB_WEB4 443 0
udp $LAB_PUBDNS4 53 0
tcp 203.0.113.200 22 65534
udp 203.0.113.200 53 65534"
STOP=$LAB_DIR/stop-probes
(
  while [[ ! -e $STOP ]]; do
    ip netns exec "$LAB_LAP" "$NW_PROBE" --timeout-ms 300 <<<"$FLOWS" >>"$LAB_DIR/probe-loop.out" 2>/dev/null || true
  done
) &
echo $! >"$LAB_DIR/pids/probe-loop"

nets=(home office none home office)
t0=$SECONDS
for ((i = 0; i < CYCLES; i++)); do
  net=${nets[i % ${#nets[@]}]}
  # The tunnel flips every 7th cycle (up/down are the slow part: wireguard-go starts).
  if ((i % 7 == 3)); then
    if [[ $LAB_TUNNEL == up ]]; then lab_tunnel_down 2>/dev/null; else lab_tunnel_up 2>/dev/null; fi
  fi
  lab_walk "$net" 2>/dev/null
  # Address change in place on every 4th cycle (DHCP renumbering).
  if ((i % 4 == 1)) && [[ $net == home ]]; then
    ip -n "$LAB_LAP" addr add 192.168.1.11/24 dev eth0
    ip -n "$LAB_LAP" addr del "$LAB_HOME_LAP4/24" dev eth0
  fi
  # Links flap down and up on every 5th cycle.
  if ((i % 5 == 2)) && [[ $net != none ]]; then
    ip -n "$LAB_LAP" link set eth0 down
    ip -n "$LAB_LAP" link set eth0 up
    ip -n "$LAB_LAP" route replace default via "$LAB_NET_GW4" dev eth0 2>/dev/null || true
  fi
  sleep 0.$((RANDOM % 3))
done
elapsed=$((SECONDS - t0))
touch "$STOP"
wait "$(cat "$LAB_DIR/pids/probe-loop")" 2>/dev/null || true
rm -f "$LAB_DIR/pids/probe-loop"
# Sanity of the capture: at home with the tunnel up, traffic reaches the web server through it
# (from the gateway's address) while the capture still runs.
lab_walk home 2>/dev/null
lab_tunnel_up 2>/dev/null
lab_wait 30 bash -c "echo 'tcp $LAB_WEB4 80 65534' | ip netns exec $LAB_LAP $NW_PROBE | grep -q ^allow" || true
lab_capture_stop web
lab_tunnel_down 2>/dev/null
echo "== $CYCLES cycles in ${elapsed}s; $(wc -l <"$LAB_DIR/probe-loop.out") probe flows sent"

alive=$(kill -0 "$AGENT_PID" 2>/dev/null && echo alive || echo dead)
lab_check "agent survived the flapping" "alive" "$alive"
agent_wait_state blocked 10 || true
lab_check "final state (home, no tunnel)" "blocked" "$(agent_field .state)"
# An apply can race an interface that is deleted between the snapshot and the commit (the
# trusted set holds interfaces by index): the kernel refuses the whole batch, the rules in force
# stay, and the retry 250 ms later succeeds. A few such refusals are fine; more are not.
failures=$(agent_field '.counters.apply_failures // 0')
lab_check "at most 3 refused applies (interface gone before the commit), all retried" "yes" \
  "$( ((failures <= 3)) && echo yes || echo "no ($failures)")"
lab_check "the last apply succeeded" "true" "$(agent_field '.last_apply.ok')"
echo "  agent counters: $(agent_status | jq -c .counters)"
allowed=$(grep -c '^allow' "$LAB_DIR/probe-loop.out" || true)
echo "  probe verdicts: $(awk '{print $1}' "$LAB_DIR/probe-loop.out" | sort | uniq -c | tr '\n' ' ')"

# Every packet at the web server: from the gateway (tunnel) or from the office while trusted.
lab_capture_read web -tt >"$LAB_DIR/web.txt" || true
total=$(wc -l <"$LAB_DIR/web.txt")
other=$(grep -v " $LAB_GW_PUB4\.\| $OFFICE_NAT\.\| $LAB_GW_PUB4 >\| $OFFICE_NAT >\| $HOME_NAT\.\| $HOME_NAT >" "$LAB_DIR/web.txt" | first3 || true)
office=$(grep -c " $OFFICE_NAT[ .]" "$LAB_DIR/web.txt" || true)
echo "  web server: $total packets, $office from the office's address (trusted windows: $(agent_events '.event == "state" and .state == "trusted"' | wc -l))"
lab_check "web server: packets arrived through the tunnel (capture sanity)" "yes" \
  "$(grep -q " $LAB_GW_PUB4[ .]" "$LAB_DIR/web.txt" && echo yes || echo no) ($total packets)"
lab_check "web server: nothing from any source but the gateway, the office, home" "none" "${other:-none}"
# The agent's state at each packet's time, from its state events (written right after each
# apply). A packet is fine from the office while "trusted" (or up to 0.2 s before a "trusted"
# event: apply, then event). Known agent bug (reported; reproduced deterministically in
# agent_leak_states.sh, "fast roam"): trust is by interface *name* and withdrawn only after the
# 50 ms debounce, so right after a fast roam from the trusted office the new network's traffic
# leaves in plaintext. Violations while the agent still said "trusted" (or within 1 s after it
# stopped saying so) are that bug: XFAIL; NW_STRICT=1 makes them failures. Any other is a FAIL.
jq -r 'select(.event == "state" and .generation != null) | "\(.time) \(.state)"' "$AGENT_EVENTS" |
  while read -r t s; do echo "$(date -d "$t" +%s.%N) $s"; done >"$LAB_DIR/states.txt"
{ grep " $OFFICE_NAT[ .]\| $HOME_NAT[ .]" "$LAB_DIR/web.txt" || true; } |
  awk -v f="$LAB_DIR/states.txt" -v office="$OFFICE_NAT" '
    BEGIN {while ((getline l < f) > 0) {split(l, a, " "); n++; T[n]=a[1]; S[n]=a[2]}}
    {t=$1; from=(index($0, " " office) ? "office" : "home")
     prev="none"; next_s="none"; next_t=0; last_trusted_end=-1
     for (k=1; k<=n; k++) {
       if (T[k] <= t) { if (prev == "trusted" && S[k] != "trusted") last_trusted_end=T[k]; prev=S[k] }
       else { next_s=S[k]; next_t=T[k]; break } }
     if (from == "office" && (prev == "trusted" || (next_s == "trusted" && next_t - t <= 0.2))) next
     if (prev == "trusted" || (last_trusted_end >= 0 && t - last_trusted_end <= 1.0)) print "roam", t, from, "state:", prev
     else print "leak", t, from, "state:", prev
    }' >"$LAB_DIR/violations.txt"
roam=$(grep -c '^roam' "$LAB_DIR/violations.txt" || true)
leak=$(grep '^leak' "$LAB_DIR/violations.txt" | first3 || true)
lab_check "web server: no plaintext outside trusted windows (other than the known roam bug)" "none" "${leak:-none}"
if ((roam > 0)); then
  if [[ -n "${NW_STRICT:-}" ]]; then
    lab_check "web server: no plaintext right after a roam from the trusted office" "0" "$roam packets"
  else
    echo "  XFAIL $roam plaintext packets reached the web server right after a roam from the trusted office (trust by interface name; e.g. $(grep '^roam' "$LAB_DIR/violations.txt" | head -1))"
  fi
fi
lab_summary
