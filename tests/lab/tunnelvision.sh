#!/usr/bin/env bash
# Lab test: TunnelVision (CVE-2024-3661).
#   usage: tunnelvision.sh NETWARDEN_BINARY
# With the tunnel up, the (hostile) home network pushes routes via DHCP option 121 that are more
# specific than the tunnel's 0/1 + 128/1: four /2s and a host route for the web server, via the
# physical interface. The kernel then routes everything outside the tunnel. Routing cannot stop
# that; only enforcement by egress interface does: every flow to a public address must be
# rejected and nothing but WireGuard may appear on the physical link. The agent has not noticed
# (the situation is unchanged). Once the routes are gone, the tunnel carries traffic again.
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/lib.sh"

lab_init tv
lab_build
SIT=$LAB_DIR/situation.yaml
POLICY=$LAB_DIR/policy.yaml
lab_policy "$POLICY" private

lab_walk home
lab_tunnel_up
lab_situation "$SIT"
lab_ns lap "$NETWARDEN" apply "$POLICY" --situation "$SIT" >"$LAB_DIR/apply.log" 2>&1 ||
  { cat "$LAB_DIR/apply.log"; lab_die "apply failed"; }
lab_wait 30 bash -c "echo 'tcp $LAB_WEB4 80 65534' | ip netns exec $LAB_LAP $NW_PROBE | grep -q ^allow" ||
  lab_die "the tunnel does not carry traffic"
lab_check "before: web server through the tunnel" "allow" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"

echo "== the home network pushes option-121 routes via eth0"
PUSHED4="0.0.0.0/2 64.0.0.0/2 128.0.0.0/2 192.0.0.0/2 $LAB_WEB4/32"
PUSHED6="::/2 4000::/2 2001:db8:113::/64"
for r in $PUSHED4; do lab_ns lap ip route add "$r" via "$LAB_HOME_GW4" dev eth0; done
for r in $PUSHED6; do lab_ns lap ip -6 route add "$r" via "$LAB_HOME_GW6" dev eth0; done
echo "  route to the web server now: $(lab_ns lap ip route get $LAB_WEB4 | head -1)"
lab_check "kernel routes the web server via eth0" "eth0" "$(lab_oif $LAB_WEB4)"

FLOWS="tcp $LAB_WEB4 80 65534
tcp $LAB_WEB4 443 0
udp $LAB_WEB4 443 65534
icmp $LAB_WEB4 0 65534
tcp $LAB_WEB6 443 65534
icmp $LAB_WEB6 0 0
tcp 203.0.113.200 22 65534
udp $LAB_PUBDNS4 53 0
tcp $LAB_GW2_PUB4 80 65534"
lab_capture_start phys lap eth0
lab_probe <<<"$FLOWS" >"$LAB_DIR/probe.out"
rc=0
lab_ns lap setpriv --reuid 65534 --regid 65534 --clear-groups curl -sS -m 10 -o /dev/null "http://$LAB_WEB4/" 2>/dev/null || rc=$?
lab_capture_stop phys
while read -r flow && read -r verdict <&3; do
  lab_check "$flow" "reject" "$verdict"
done <<<"$FLOWS" 3<"$LAB_DIR/probe.out"
lab_check "curl http://$LAB_WEB4/ as a user fails at once (exit 7)" "7" "$rc"
leaks=$(lab_capture_read phys "not arp and not (udp and host $LAB_GW_PUB4 and port $LAB_GW_PORT) and not (ip6 and (src net fe80::/10 or dst net ff00::/8))")
lab_check "physical link: nothing but WireGuard" "none" "${leaks:-none}"

# Root's DNS to the VPN's resolver (10.99.0.1: resolv.conf names it while the tunnel is up).
# The network's resolvers are reachable directly only while no tunnel is up, so under pushed
# routes these queries are rejected instead of leaving eth0 in plaintext.
lab_capture_start dns lap eth0
lab_probe1 udp $LAB_TUN_GW4 53 0 >/dev/null
lab_capture_stop dns
n=$(lab_capture_count dns "dst host $LAB_TUN_GW4 and port 53")
lab_check "root's DNS to the VPN resolver does not leave eth0" "0" "$n"

echo "== the pushed routes are withdrawn"
push_routes() { # add|del
  for r in $PUSHED4; do lab_ns lap ip route "$1" "$r" via "$LAB_HOME_GW4" dev eth0; done
  for r in $PUSHED6; do lab_ns lap ip -6 route "$1" "$r" via "$LAB_HOME_GW6" dev eth0; done
}
push_routes del
lab_check "after: web server through the tunnel again" "allow" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"

echo "== a connection opened through the tunnel, then the routes are pushed"
# A client writes a line every 0.2 s for 8 s over one TCP connection (through the tunnel).
(for i in $(seq 40); do echo "secret-$i"; sleep 0.2; done) |
  ip netns exec "$LAB_LAP" socat -u - "TCP:$LAB_WEB4:80" >/dev/null 2>&1 &
hold=$!
lab_wait 10 bash -c "ip netns exec $LAB_LAP ss -Htn dst $LAB_WEB4 | grep -q ." ||
  lab_die "the long-lived connection did not come up"
lab_capture_start est lap eth0
push_routes add
sleep 2
lab_capture_stop est
push_routes del
wait "$hold" 2>/dev/null || true
n=$(lab_capture_count est "ip and dst host $LAB_WEB4")
# The output chain has no "established" shortcut: each packet is judged by where it leaves.
lab_check "established connection does not leave eth0 in plaintext" "0" "$n"

lab_summary
