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
# policy routing.
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
ask() { c curl -s -m 3 "http://$1/" 2>/dev/null || true; }
ask_lan() { lab_ns vm curl -s -m 3 "http://$1/" 2>/dev/null || true; }

[[ $(ask 198.51.100.3) == real-server ]] || fail "server not reachable before: $(ask 198.51.100.3)"
[[ $(ask_lan 198.51.100.5) == real-server ]] || fail "LAN host cannot reach the server before"
echo 198.51.100.3 >"$LAB_DIR/feed.txt"
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
handshake=$(lab_ns lap wg show "$LAB_WG_LAP" latest-handshakes | awk '{print $2}')
[[ -n $handshake && $handshake != 0 ]] || fail "no WireGuard handshake with the inspector"

# Fail closed: the link down (the kernel drops the tunnel's routes), then the tunnel process gone.
c ip link set wg-inspect down
[[ -z $(ask 198.51.100.3) ]] || fail "tunnel link down: the destination leaked out the normal path"
[[ -z $(ask_lan 198.51.100.3) ]] || fail "tunnel link down: forwarded traffic leaked out the normal path"
c ip link set wg-inspect up
out=$(c "$binary" threats apply "$LAB_DIR/policy.yaml" --cache "$cache") || fail "re-apply: $out"
[[ $(ask 198.51.100.3) == "$block_page" ]] || fail "tunnel back + apply: inspection not restored: $(ask 198.51.100.3)"
kill -TERM "$(cat "$LAB_DIR/pids/wg-lap")"
lab_wait 10 bash -c "! ip -n $LAB_LAP link show wg-inspect" || fail "wg-inspect outlived wireguard-go"
[[ -z $(ask 198.51.100.3) ]] || fail "tunnel gone: the destination leaked out the normal path"
inspect_captures_clean 198.51.100.3

c "$binary" threats flush --cache "$cache" >/dev/null
[[ -z $(c ip rule | grep 4e570006) ]] || fail "flush left the fwmark rule"
[[ -z $(c ip route show table 6575) ]] || fail "flush left inspection routes"
[[ $(ask 198.51.100.3) == real-server ]] || fail "flush did not restore the normal path"
echo "PASS threats inspect"
