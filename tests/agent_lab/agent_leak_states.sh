#!/usr/bin/env bash
# Agent lab test: state-by-state leak harness with the live agent (no hand-made situations).
#   usage: agent_leak_states.sh NETWARDEN_BINARY
# The agent runs in the laptop and builds the situation itself (rtnetlink, its own lookups of the
# gateway name through the home resolver, the office's HTTPS probe). In each state — no network,
# untrusted home (blocked), tunnel connecting (wg interface up, the gateway's port dropped on the
# internet so no handshake), tunnel up, trusted office — the laptop sends TCP, UDP, ICMP and DNS
# to a public address (the web server, a public resolver) and a private one (the corporate
# server 10.10.0.10, a home LAN host), as root and as an ordinary user. A capture on the laptop's
# physical link (filtered on the laptop's own MAC) proves that nothing left in plaintext but the
# allowed things: WireGuard to the gateway, root's DNS to the home resolver, the office probe,
# ARP/NDP/DHCP. In the trusted office (the control) the same flows do leave in plaintext.
# Last, a fast roam from the trusted office to home (same interface name, within the agent's
# debounce) checks that no plaintext reaches the web server from home (known bug: XFAIL).
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/../lab/lib.sh"
source "$(dirname "$0")/agent_lib.sh"

lab_init als
lab_build
AGENT_POLICY=$LAB_DIR/policy.yaml
agent_policy "$AGENT_POLICY" none # lan: none, so private destinations are not an exception either

PUBLIC4="$LAB_WEB4 $LAB_PUBDNS4"
PRIVATE4="$LAB_CORP4 192.168.1.200"
flows() {
  local uid h
  for uid in 0 65534; do
    for h in $PUBLIC4 $PRIVATE4 $LAB_WEB6; do
      echo "tcp $h 80 $uid"
      echo "udp $h 5000 $uid"
      echo "icmp $h 0 $uid"
      echo "udp $h 53 $uid"
      echo "tcp $h 53 $uid"
    done
  done
}
FLOWS=$(flows)
TARGETS="$(for h in $PUBLIC4 $PRIVATE4; do printf 'dst host %s or ' "$h"; done) dst host $LAB_WEB6"

# state NAME WANT(reject|allow|blocked|any) PLAIN(0|some)
state() {
  local name=$1 want=$2 plain=$3 mac bad n
  echo "== $name (agent says: $(agent_field .state))"
  mac=$(agent_mac eth0 || true)
  if [[ -n "$mac" ]]; then lab_capture_start "$name" lap eth0; fi
  lab_probe --timeout-ms 1500 <<<"$FLOWS" >"$LAB_DIR/$name.out"
  [[ -n "$mac" ]] && lab_capture_stop "$name"
  case $want in
  reject | allow)
    bad=$(paste -d' ' <(echo "$FLOWS") "$LAB_DIR/$name.out" | awk -v w="$want" '$5 != w' | first3)
    lab_check "$name: all $(wc -l <<<"$FLOWS") flows $want" "none" "${bad:-none}" ;;
  blocked)
    bad=$(paste -d' ' <(echo "$FLOWS") "$LAB_DIR/$name.out" | awk '$5 == "allow"' | first3)
    lab_check "$name: none of $(wc -l <<<"$FLOWS") flows allowed" "none" "${bad:-none}" ;;
  esac
  [[ -n "$mac" ]] || return 0
  if [[ "$plain" == 0 ]]; then
    n=$(lab_capture_count "$name" "$(agent_leak_filter "$mac")")
    lab_check "$name: physical link carried only allowed packets" "0" \
      "$n$( ((n)) && lab_capture_read "$name" "$(agent_leak_filter "$mac")" | first3 | sed 's/^/ | /')"
  else
    n=$(lab_capture_count "$name" "ether src $mac and ($TARGETS)")
    lab_check "$name: plaintext to the targets (control)" "some" "$( ((n > 0)) && echo some || echo none) ($n)"
  fi
}

echo "== 0. the agent starts with the laptop at home, to learn the gateway's address"
lab_walk home
agent_start
agent_wait_state blocked 10 || lab_die "agent never reached 'blocked' at home: $(agent_status)"
agent_wait ".resolved[\"vpn.example.net\"].addresses | index(\"$LAB_GW_PUB4\") != null" 15 ||
  lab_die "the agent did not resolve vpn.example.net: $(agent_status)"
lab_check "gateway name resolved by the agent" "$LAB_GW_PUB4" "$(agent_field '.gateways[] | select(.gateway | test("vpn")) | .address' | head -1)"

echo "== 1. no network"
lab_walk none
agent_wait_state no-network 10 || true
lab_check "state with no network" "no-network" "$(agent_field .state)"
lab_check "table inet netwarden in force" "present" "$(agent_nft_table | grep -q 'policy drop' && echo present || echo absent)"
state no-network blocked 0

echo "== 2. untrusted home"
lab_walk home
agent_wait_state blocked 10 || true
lab_check "state at home" "blocked" "$(agent_field .state)"
state untrusted-home reject 0

echo "== 3. tunnel connecting (gateway unreachable)"
lab_ns inet nft -f - <<'EOF'
table inet labblock {
  chain forward_block {
    type filter hook forward priority 0; policy accept;
    udp dport 51820 drop
  }
}
EOF
lab_tunnel_up
agent_wait_state tunnel 10 || true
lab_check "state with the wg interface up" "tunnel" "$(agent_field .state)"
state tunnel-connecting any 0
lab_check "no handshake while the gateway is unreachable" "no" "$(lab_tunnel_handshake && echo yes || echo no)"

echo "== 4. tunnel up"
lab_ns inet nft delete table inet labblock
lab_wait 30 bash -c "echo 'icmp $LAB_TUN_GW4 0 0' | ip netns exec $LAB_LAP $NW_PROBE --timeout-ms 1000 | grep -q ^allow" ||
  lab_die "the tunnel did not come up once the gateway was reachable"
lab_check "handshake done" "yes" "$(lab_tunnel_handshake && echo yes || echo no)"
# Through the tunnel: public addresses and the corporate server answer; the home LAN host
# (192.168.1.200) routes into the tunnel too and the gateway has no route to it (timeout).
state tunnel-up any 0
ok=$(paste -d' ' <(echo "$FLOWS") "$LAB_DIR/tunnel-up.out" |
  awk -v w="$LAB_WEB4" -v c="$LAB_CORP4" '($2 == w || $2 == c) && $1 != "icmp" && $3 != 53 && $5 != "allow"' | first3)
lab_check "tunnel up: web and corporate server answer through the tunnel" "none" "${ok:-none}"

echo "== 5. trusted office (control)"
lab_tunnel_down
lab_walk office
agent_wait_trusted 8 || true
lab_check "state in the office (probe verified)" "trusted" "$(agent_field .state)"
lab_check "trusted network on eth0" "office" "$(agent_field '.trusted[0].network')"
agent_wait_event '.event == "probe" and .trusted == true' 5 || true
lab_check "probe event says trusted" "yes" "$(agent_events '.event == "probe" and .trusted == true' | grep -q . && echo yes || echo no)"
state trusted-office any some
ok=$(paste -d' ' <(echo "$FLOWS") "$LAB_DIR/trusted-office.out" |
  awk -v w="$LAB_WEB4" '$2 == w && $5 != "allow"' | first3)
lab_check "trusted: the web server answers directly" "none" "${ok:-none}"

echo "== 6. back to untrusted home: trust is dropped at once"
lab_walk home
agent_wait_state blocked 10 || true
lab_check "state after leaving the office" "blocked" "$(agent_field .state)"
state home-again reject 0

echo "== 7. fast roam: trusted office -> home on the same interface name, within the debounce"
# Known agent bug (reported): trust is matched by interface name (oifname @trusted_ifaces) and
# withdrawn only by the debounced (50 ms) snapshot, so traffic sent right after a quick roam to
# an untrusted network leaves in plaintext. XFAIL here; NW_STRICT=1 makes it a failure.
lab_walk office
agent_wait_trusted 8 || true
lab_check "office trusted before the roam" "trusted" "$(agent_field .state)"
lab_capture_start fastroam web wan0 "dst host $LAB_WEB4"
HOME_NS=$(lab_nsname home)
ip -n "$LAB_LAP" -batch - <<EOF
link del eth0
link add eth0 type veth peer name lan0 netns $HOME_NS
addr add $LAB_HOME_LAP4/24 dev eth0
link set eth0 up
EOF
ip -n "$HOME_NS" -batch - <<EOF
addr add $LAB_HOME_GW4/24 dev lan0
link set lan0 up
EOF
ip -n "$LAB_LAP" route add default via "$LAB_HOME_GW4" dev eth0
lab_probe --timeout-ms 500 <<<"udp $LAB_WEB4 5000 65534
tcp $LAB_WEB4 80 65534
icmp $LAB_WEB4 0 65534" >"$LAB_DIR/fastroam.out"
agent_wait_state blocked 10 || true
lab_check "after the fast roam: state" "blocked" "$(agent_field .state)"
lab_check "after the fast roam, settled: web server" "reject" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"
lab_capture_stop fastroam
n=$(lab_capture_count fastroam "src host 192.0.2.2")
if ((n == 0)); then
  lab_check "fast roam: nothing reached the web server from home" "0" "$n"
elif [[ -n "${NW_STRICT:-}" ]]; then
  lab_check "fast roam: nothing reached the web server from home" "0" "$n packets ($(tr '\n' ' ' <"$LAB_DIR/fastroam.out"))"
else
  echo "  XFAIL fast roam: $n plaintext packets reached the web server from home right after leaving the trusted office (verdicts: $(awk '{print $1}' "$LAB_DIR/fastroam.out" | tr '\n' ' '))"
fi

lab_check "agent applied without failures" "0" "$(agent_field '.counters.apply_failures // 0')"
lab_check "root namespace has no netwarden table" "none" "$(nft list table inet netwarden >/dev/null 2>&1 && echo PRESENT || echo none)"
lab_summary
