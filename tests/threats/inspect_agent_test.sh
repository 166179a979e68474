#!/usr/bin/env bash
# Inspection with the forced VPN in force, driven by the agent, real kernel. The inspection lab of
# tests/threats/lib.sh (client `lap`, real servers behind its uplink nwt0, the inspector behind a
# wireguard-go tunnel wg-inspect over the underlay insp0); `netwarden agent` runs in lap with a
# forced VPN whose gateway is unreachable (state "blocked": no tunnel, no trusted network), the
# inspector's WireGuard endpoint as a udp gateway for uid 0 (wireguard-go's own transport), an
# `inspect` feed listing 198.51.100.3 and no breakout. Proves, for an ordinary user: the listed
# address gets the inspector's block page through wg-inspect (seen from the tunnel address), an
# unlisted one is refused by the forced-VPN rules (default-block, a reset), and unmarked traffic
# routed straight into wg-inspect is refused too (the `inspection` rule wants the mark); the agent
# reports the `threat` event with feed and entry, explains `allow inspection`, and shows the feed
# in status; with wireguard-go killed the listed address is unreachable and never crosses the
# uplink (captures on the uplink and the underlay), not even with the inspection routes gone (the
# threat table's postrouting guard drops marked packets headed anywhere but wg-inspect).
set -euo pipefail
binary=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/../lab/lib.sh"
source "$here/lib.sh"
source "$here/../agent_lab/agent_lib.sh"
# shellcheck disable=SC2034  # the binary agent_lib.sh runs
NETWARDEN=$binary

lab_init tia 2>/dev/null
c() { lab_ns lap "$@"; }
inspect_lab_build
inspect_tunnel_up
inspect_servers_up
# Unmarked traffic can be routed into the tunnel too: the inspector's tunnel address is behind it.
c ip route add 10.97.0.2/32 dev wg-inspect
# curl as nobody: prints the body, or "curl-exit=N" when it got none (7: refused, 28: timeout).
ask() {
  local out rc=0
  out=$(c setpriv --reuid 65534 --regid 65534 --clear-groups curl -sS -m "${2:-3}" "http://$1/" 2>/dev/null) || rc=$?
  if ((rc == 0)); then echo "$out"; else echo "curl-exit=$rc"; fi
}
events_dump() { cat "$AGENT_EVENTS" "$LAB_DIR/agent.log" >&2 || true; }
fail_events() { events_dump; fail "$@"; }

# Before the agent: every path works, so what is refused later is refused by the rules.
[[ $(ask 198.51.100.3) == real-server ]] || fail "server not reachable before: $(ask 198.51.100.3)"
[[ $(ask 198.51.100.2) == real-server ]] || fail "unlisted server not reachable before"
[[ $(ask 10.97.0.2) == "BLOCK-PAGE for 10.97.0.2 from-10.97.0.1" ]] || fail "inspector not reachable before"

echo 198.51.100.3 >"$LAB_DIR/feed.txt"
AGENT_POLICY=$LAB_DIR/policy.yaml
cat >"$AGENT_POLICY" <<YAML
version: 1
vpn:
  gateways:
    - {address: 192.0.2.1, port: 443, protocol: tcp}
    - {address: 10.98.0.2, port: 51820, protocol: udp, user: 0}
  tunnel_interfaces: [wg0]
threat_feeds:
  - {name: grey, url: "file://$LAB_DIR/feed.txt", action: inspect}
inspection: {interface: wg-inspect}
YAML
"$binary" check "$AGENT_POLICY" >/dev/null || fail "policy refused"
lab_capture_start underlay lap insp0
lab_capture_start uplink lap nwt0
agent_start # its threat cache: $LAB_DIR/threats
agent_wait_state blocked 10 || fail_events "state: $(agent_field .state)"
agent_wait_event '.event == "threat-feed" and .feed == "grey" and .result == "loaded"' 20 ||
  fail_events "feed not loaded"
rules=$(c nft list chain inet netwarden output)
[[ $rules == *"mark 0x4e570006"*'comment "inspection"'* ]] || fail "no inspection rule in the forced-VPN table: $rules"

# What the forced-VPN rules refuse: an unlisted address on the same uplink (default-block, a
# TCP reset at once), and unmarked traffic routed straight into the inspection interface.
start=$SECONDS
got=$(ask 198.51.100.2)
[[ $got == curl-exit=7 ]] || fail "unlisted address: $got"
((SECONDS - start <= 2)) || fail "unlisted address: refused only after a timeout"
[[ $(c ip route get 10.97.0.2) == *"dev wg-inspect"* ]] || fail "10.97.0.2 not routed into wg-inspect"
got=$(ask 10.97.0.2)
[[ $got == curl-exit=7 ]] || fail "unmarked traffic into wg-inspect: $got"
got=$(c curl -sS -m 3 http://10.97.0.2/ 2>&1) && fail "unmarked traffic into wg-inspect from root: $got"
agent_wait_event '.event == "blocked" and .rule == "default-block" and .destination == "198.51.100.2"' 5 ||
  fail_events "no default-block event for the unlisted address"
agent_wait_event '.event == "blocked" and .rule == "default-block" and .destination == "10.97.0.2" and .output_interface == "wg-inspect"' 5 ||
  fail_events "no default-block event for unmarked traffic into wg-inspect"

# The listed address: marked and rerouted by the threat table, let out by the `inspection` rule,
# answered by the inspector through the tunnel.
[[ $(c ip route get 198.51.100.3 mark 0x4e570006) == *"dev wg-inspect"* ]] ||
  fail "marked route: $(c ip route get 198.51.100.3 mark 0x4e570006)"
tunnel_rx() { c wg show "$LAB_WG_LAP" transfer | awk '{print $2}'; }
rx_before=$(tunnel_rx)
got=$(ask 198.51.100.3)
# (Output-hook chains see the interface of the route taken before the route chain's re-route, so
# the forced-VPN `inspection` rule matches the mark; an earlier version matched the interface and
# rejected every inspected connection — this test found it.)
[[ $got == "$INSPECT_BLOCK_PAGE" ]] || fail_events "inspected destination: $got"
(($(tunnel_rx) > rx_before)) || fail "the block page did not come through the tunnel"

# The agent's view: the threat event, explain, status.
agent_wait_event '.event == "threat" and .action == "inspect" and .feed == "grey" and .destination == "198.51.100.3" and .entry == "198.51.100.3" and .uid == 65534 and .routed_to == "wg-inspect"' 5 ||
  fail_events "no threat event for the inspected connection"
answer=$("$binary" explain --control "$AGENT_SOCK" --dst 198.51.100.3 --port 80 --uid 65534)
echo "$answer"
# One explain over the planes: the verdict line, then what each plane says.
[[ $answer == "allow inspection: "* && $answer == *"threat_feeds: inspect threat-feed:grey: listed by threat feed 'grey' as 198.51.100.3; routed into the inspection interface wg-inspect"* ]] ||
  fail "explain of the inspected address: $answer"
answer=$("$binary" explain --control "$AGENT_SOCK" --dst 198.51.100.2 --port 80 --uid 65534)
[[ $answer == "reject default-block"* ]] || fail "explain of the unlisted address: $answer"
status=$("$binary" status --control "$AGENT_SOCK")
echo "$status" | grep "threat feed"
[[ $status == *"threat feed: grey (inspect): 1 entries, downloaded "*"loaded"* ]] || fail "status: $status"

# The tunnel gone: fail closed, never the uplink.
kill -TERM "$(cat "$LAB_DIR/pids/wg-lap")"
lab_wait 10 bash -c "! ip -n $LAB_LAP link show wg-inspect" || fail "wg-inspect outlived wireguard-go"
[[ $(c ip route get 198.51.100.3 mark 0x4e570006 2>&1) != *"dev nwt0"* ]] || fail "tunnel gone: marked traffic routed to the uplink"
got=$(ask 198.51.100.3)
[[ $got == curl-exit=* ]] || fail "tunnel gone: the inspected address answered: $got"
[[ $(agent_field .state) == blocked ]] || fail "state after the tunnel went: $(agent_field .state)"
# Even with the inspection routes gone (the unreachable fallback too), a marked packet that the
# kernel would send out the uplink is dropped by the threat table's postrouting guard.
c ip route flush table 6575
c ip -6 route flush table 6575 2>/dev/null || true
[[ $(c ip route get 198.51.100.3 mark 0x4e570006) == *"dev nwt0"* ]] || fail "expected the uplink route without table 6575"
got=$(ask 198.51.100.3)
[[ $got == curl-exit=* ]] || fail "routes gone: the inspected address answered: $got"
guard=$(c nft list chain inet netwarden_threats inspect_guard)
[[ $guard =~ counter\ packets\ ([1-9][0-9]*) ]] || fail "the postrouting guard dropped nothing: $guard"
echo "postrouting guard: ${BASH_REMATCH[1]} marked packets kept off the uplink"
inspect_captures_clean 198.51.100.3
echo "PASS threats inspect with the agent"
