#!/usr/bin/env bash
# Real kernel, lab namespaces of the test's own (tests/lab/lib.sh helpers): `lap` runs netwarden
# threats, `web` holds the real destinations behind the normal uplink (nwt0), `gw` is the
# inspection service, reached only through a WireGuard tunnel (wireguard-go, interface
# wg-inspect) over an underlay veth (insp0), and answers every HTTP request with a block page;
# `vm` is a LAN host routed through the laptop. Proves: an inspected destination (from the laptop
# itself and forwarded from the LAN) is reached only through the tunnel, with the tunnel's
# address, and crosses the underlay only as WireGuard UDP (captures on the underlay and on the
# uplink); other destinations keep their path; a blocked destination is refused on the forward
# path; a tunnel that goes down fails closed (link down, wireguard-go gone); flush removes the
# policy routing. The same for an IPv6 destination (v6 lines, marked "IPv6"), through the same
# tunnel (its IPv6 end fd00:97::1) over the IPv4 underlay.
set -euo pipefail
binary=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/../lab/lib.sh"
source "$here/lib.sh" # the inspection lab; its c() is the pair's, replaced below

lab_init thi 2>/dev/null
c() { lab_ns lap "$@"; }
inspect_lab_build
lab_vm_up # the LAN host: vm 172.31.0.2 behind the laptop's vm0, routed and masqueraded
inspect_tunnel_up
inspect_servers_up
# -g: the brackets of an IPv6 literal are not a curl URL glob.
ask() { c curl -gs -m 3 "http://$(bracket "$1")/" 2>/dev/null || true; }
ask_lan() { lab_ns vm curl -gs -m 3 "http://$(bracket "$1")/" 2>/dev/null || true; }
# A refused inspected connection costs curl's whole timeout (the SYN is dropped, no error comes
# back), so the IPv6 refusals run alongside the IPv4 ones: `ask_bg NAME ask|ask_lan ADDRESS` in
# the background, `unanswered NAME` after the IPv4 checks. Never a bare `wait`: the lab's daemons
# are this shell's jobs too.
declare -A bg_pid
ask_bg() {
  local name=$1
  shift
  "$@" >"$LAB_DIR/answer.$name" &
  bg_pid[$name]=$!
}
unanswered() {
  wait "${bg_pid[$1]}"
  [[ ! -s $LAB_DIR/answer.$1 ]]
}
inspected6=2001:db8:100::3 # IPv6: the inspected destination and its unlisted neighbour
neighbour6=2001:db8:100::2
block_page6=$INSPECT_BLOCK_PAGE6

[[ $(ask 198.51.100.3) == real-server ]] || fail "server not reachable before: $(ask 198.51.100.3)"
[[ $(ask_lan 198.51.100.5) == real-server ]] || fail "LAN host cannot reach the server before"
[[ $(ask $inspected6) == real-server ]] || fail "IPv6: server not reachable before: $(ask $inspected6)"
[[ $(ask_lan $inspected6) == real-server ]] || fail "IPv6: LAN host cannot reach the server before"
printf '%s\n' 198.51.100.3 $inspected6 >"$LAB_DIR/feed.txt"
echo 198.51.100.5 >"$LAB_DIR/bad.txt"
cat >"$LAB_DIR/policy.yaml" <<YAML
version: 1
vpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]}
threat_feeds:
  - {name: grey, url: "file://$LAB_DIR/feed.txt", action: inspect}
  - {name: bad, url: "file://$LAB_DIR/bad.txt", action: block}
inspection: {interface: wg-inspect}
YAML
cache=$LAB_DIR/cache
out=$(c "$binary" threats apply "$LAB_DIR/policy.yaml" --cache "$cache") || fail "apply: $out"
echo "$out"
# From here on nothing for the inspected address may cross the underlay or the uplink in clear.
lab_capture_start underlay lap insp0
lab_capture_start uplink lap nwt0
block_page=$INSPECT_BLOCK_PAGE
[[ $(ask 198.51.100.3) == "$block_page" ]] || fail "inspected destination not sent to inspection: $(ask 198.51.100.3)"
[[ $(ask 198.51.100.2) == real-server ]] || fail "an uninspected destination changed path"
rules=$(c ip rule) # captured: `| grep -q` under pipefail fails when grep quits before ip is done
[[ $rules == *"fwmark 0x4e570006 lookup 6575"* ]] || fail "no fwmark rule: $rules"
# Forward path: the LAN host's inspected destination goes to inspection, its blocked one is refused.
[[ $(ask_lan 198.51.100.3) == "$block_page" ]] || fail "forwarded inspect: $(ask_lan 198.51.100.3)"
[[ -z $(ask_lan 198.51.100.5) ]] || fail "forwarded traffic to a blocked address passed"
[[ -z $(ask 198.51.100.5) ]] || fail "blocked address reachable from the client"
[[ $(ask_lan 198.51.100.2) == real-server ]] || fail "forwarded traffic to an unlisted address broke"
# IPv6: the v6 rule and route of the same table, the tunnel's v6 address after the masquerade.
[[ $(ask $inspected6) == "$block_page6" ]] || fail "IPv6: inspected destination not sent to inspection: $(ask $inspected6)"
[[ $(ask $neighbour6) == real-server ]] || fail "IPv6: an uninspected destination changed path"
rules=$(c ip -6 rule)
[[ $rules == *"fwmark 0x4e570006 lookup 6575"* ]] || fail "IPv6: no fwmark rule: $rules"
[[ $(ask_lan $inspected6) == "$block_page6" ]] || fail "IPv6: forwarded inspect: $(ask_lan $inspected6)"
[[ $(ask_lan $neighbour6) == real-server ]] || fail "IPv6: forwarded traffic to an unlisted address broke"
handshake=$(lab_ns lap wg show "$LAB_WG_LAP" latest-handshakes | awk '{print $2}')
[[ -n $handshake && $handshake != 0 ]] || fail "no WireGuard handshake with the inspector"

# Fail closed: the link down (the kernel drops the tunnel's routes), then the tunnel process gone.
c ip link set wg-inspect down
ask_bg down6 ask $inspected6
[[ -z $(ask 198.51.100.3) ]] || fail "tunnel link down: the destination leaked out the normal path"
[[ -z $(ask_lan 198.51.100.3) ]] || fail "tunnel link down: forwarded traffic leaked out the normal path"
unanswered down6 || fail "IPv6: tunnel link down: the destination leaked out the normal path"
c ip link set wg-inspect up
out=$(c "$binary" threats apply "$LAB_DIR/policy.yaml" --cache "$cache") || fail "re-apply: $out"
[[ $(ask 198.51.100.3) == "$block_page" ]] || fail "tunnel back + apply: inspection not restored: $(ask 198.51.100.3)"
# IPv6: the link down took the tunnel's IPv6 address with it (keep_addr_on_down is off), which a
# tunnel manager gives back; without it the masquerade has no source and v6 stays unreachable.
c ip addr add fd00:97::1/128 dev wg-inspect nodad
[[ $(ask $inspected6) == "$block_page6" ]] || fail "IPv6: tunnel back + apply: inspection not restored: $(ask $inspected6)"
kill -TERM "$(cat "$LAB_DIR/pids/wg-lap")"
lab_wait 10 bash -c "! ip -n $LAB_LAP link show wg-inspect" || fail "wg-inspect outlived wireguard-go"
ask_bg gone6 ask $inspected6
ask_bg gone6_lan ask_lan $inspected6
[[ -z $(ask 198.51.100.3) ]] || fail "tunnel gone: the destination leaked out the normal path"
unanswered gone6 || fail "IPv6: tunnel gone: the destination leaked out the normal path"
unanswered gone6_lan || fail "IPv6: tunnel gone: forwarded traffic leaked out the normal path"
inspect_captures_clean 198.51.100.3 $inspected6

c "$binary" threats flush --cache "$cache" >/dev/null
[[ -z $(c ip rule | grep 4e570006) ]] || fail "flush left the fwmark rule"
[[ -z $(c ip route show table 6575) ]] || fail "flush left inspection routes"
[[ $(ask 198.51.100.3) == real-server ]] || fail "flush did not restore the normal path"
rules=$(c ip -6 rule)
[[ $rules != *4e570006* ]] || fail "IPv6: flush left the fwmark rule: $rules"
[[ -z $(c ip -6 route show table 6575) ]] || fail "IPv6: flush left inspection routes"
[[ $(ask $inspected6) == real-server ]] || fail "IPv6: flush did not restore the normal path"
echo "PASS threats inspect"
