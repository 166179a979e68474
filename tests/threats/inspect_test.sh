#!/usr/bin/env bash
# Real kernel, four namespaces of the test's own: `client` runs netwarden threats, `server` holds
# the real destinations, `inspector` sits behind the inspection interface (insp0) and answers every
# connection with a block page, `lan` is routed through the client. Proves: an inspected
# destination (from the client itself and forwarded from the LAN) is reached only through the
# inspection interface, with the client's tunnel address; other destinations keep their path; a
# blocked destination is refused on the forward path; a down inspection interface fails closed;
# flush removes the policy routing.
set -euo pipefail
binary=$(realpath "$1")
client="nwi-c-$$"; server="nwi-s-$$"; inspector="nwi-i-$$"; lan="nwi-l-$$"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for ns in "$client" "$server" "$inspector" "$lan"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
c() { ip netns exec "$client" "$@"; }
s() { ip netns exec "$server" "$@"; }
i() { ip netns exec "$inspector" "$@"; }

for ns in "$client" "$server" "$inspector" "$lan"; do ip netns add "$ns"; ip netns exec "$ns" ip link set lo up; done
ip link add nwt0 netns "$client" type veth peer name nwt1 netns "$server"
ip link add insp0 netns "$client" type veth peer name insp1 netns "$inspector"
c ip addr add 198.51.100.1/24 dev nwt0; s ip addr add 198.51.100.2/24 dev nwt1; s ip addr add 198.51.100.3/24 dev nwt1
c ip addr add 10.98.0.1/24 dev insp0; i ip addr add 10.98.0.2/24 dev insp1
i ip addr add 198.51.100.3/32 dev lo   # the inspection service answers for any destination it gets
c ip link set nwt0 up; s ip link set nwt1 up; c ip link set insp0 up; i ip link set insp1 up
# A LAN host routed through the client (forward path).
ip link add lan0 netns "$client" type veth peer name lan1 netns "$lan"
c ip addr add 192.168.77.1/24 dev lan0; ip netns exec "$lan" ip addr add 192.168.77.2/24 dev lan1
c ip link set lan0 up; ip netns exec "$lan" ip link set lan1 up
ip netns exec "$lan" ip route add default via 192.168.77.1
c sysctl -qw net.ipv4.ip_forward=1
c nft add table ip lan_nat
c nft add chain ip lan_nat post '{ type nat hook postrouting priority srcnat; }'
c nft add rule ip lan_nat post ip saddr 192.168.77.0/24 oifname nwt0 masquerade
s ip addr add 198.51.100.5/24 dev nwt1

s socat TCP4-LISTEN:7777,fork,reuseaddr SYSTEM:'echo real-server' >/dev/null 2>&1 & pids+=($!)
i socat TCP4-LISTEN:7777,fork,reuseaddr SYSTEM:'echo BLOCK-PAGE from-$SOCAT_PEERADDR' >/dev/null 2>&1 & pids+=($!)
sleep 0.5
ask() { c timeout 3 socat -T2 - "TCP:$1:7777,connect-timeout=2" </dev/null 2>/dev/null || true; }
ask_lan() { ip netns exec "$lan" timeout 3 socat -T2 - "TCP:$1:7777,connect-timeout=2" </dev/null 2>/dev/null || true; }

[[ $(ask 198.51.100.3) == real-server ]] || fail "server not reachable before: $(ask 198.51.100.3)"
[[ $(ask_lan 198.51.100.5) == real-server ]] || fail "LAN host cannot reach the server before"
echo 198.51.100.3 > "$work/feed.txt"
echo 198.51.100.5 > "$work/bad.txt"
cat > "$work/policy.yaml" <<YAML
version: 1
vpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]}
threat_feeds:
  - {name: grey, url: "file://$work/feed.txt", action: inspect}
  - {name: bad, url: "file://$work/bad.txt", action: block}
inspection: {interface: insp0}
YAML
out=$(c "$binary" threats apply "$work/policy.yaml" --cache "$work/cache") || fail "apply: $out"
echo "$out"
[[ $(ask 198.51.100.3) == "BLOCK-PAGE from-10.98.0.1" ]] || fail "inspected destination not sent to inspection: $(ask 198.51.100.3)"
[[ $(ask 198.51.100.2) == real-server ]] || fail "an uninspected destination changed path"
c ip rule | grep -q "fwmark 0x4e570006 lookup 6575" || fail "no fwmark rule"
# Forward path: the LAN host's inspected destination goes to inspection, its blocked one is refused.
[[ $(ask_lan 198.51.100.3) == "BLOCK-PAGE from-10.98.0.1" ]] || fail "forwarded inspect: $(ask_lan 198.51.100.3)"
[[ -z $(ask_lan 198.51.100.5) ]] || fail "forwarded traffic to a blocked address passed"
[[ -z $(ask 198.51.100.5) ]] || fail "blocked address reachable from the client"
[[ $(ask_lan 198.51.100.2) == real-server ]] || fail "forwarded traffic to an unlisted address broke"

c ip link set insp0 down
[[ -z $(ask 198.51.100.3) ]] || fail "inspection interface down: the destination leaked out the normal path"
c ip link set insp0 up

c "$binary" threats flush --cache "$work/cache" >/dev/null
[[ -z $(c ip rule | grep 4e570006) ]] || fail "flush left the fwmark rule"
[[ -z $(c ip route show table 6575) ]] || fail "flush left inspection routes"
[[ $(ask 198.51.100.3) == real-server ]] || fail "flush did not restore the normal path"
echo "PASS threats inspect"
