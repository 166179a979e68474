#!/usr/bin/env bash
# Agent lab test: TunnelVision (CVE-2024-3661) with the live agent.
#   usage: agent_tunnelvision.sh NETWARDEN_BINARY
# With the tunnel up and the agent in state "tunnel", the hostile home network pushes routes via
# the physical interface, as DHCP option 121 would: the two /1s (replacing the tunnel's own 0/1 and
# 128/1), a /32 for the web server, and IPv6 /1s. The kernel now routes everything out of eth0.
# What leaves in plaintext must not change: every flow to a public address (TCP, UDP, ICMP, DNS,
# v4/v6) is rejected and eth0 carries nothing but WireGuard and the allowed control packets. The
# agent reports the overlapping routes as a route-overlap event and in status.route_warnings, and
# withdraws the warning when the routes go; the tunnel then carries traffic again.
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/../lab/lib.sh"
source "$(dirname "$0")/agent_lib.sh"

lab_init atv
lab_build
AGENT_POLICY=$LAB_DIR/policy.yaml
agent_policy "$AGENT_POLICY" none

lab_walk home
agent_start
agent_wait ".gateways | map(.address) | index(\"$LAB_GW_PUB4\") != null" 15 || lab_die "gateway not resolved"
lab_tunnel_up
agent_wait_state tunnel 10 || lab_die "agent did not see the tunnel"
lab_wait 30 bash -c "echo 'tcp $LAB_WEB4 80 65534' | ip netns exec $LAB_LAP $NW_PROBE | grep -q ^allow" ||
  lab_die "the tunnel does not carry traffic"
lab_check "before: web server through the tunnel" "allow" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"
MAC=$(agent_mac eth0)

push() { # add|del
  local verb=$1
  if [[ $verb == add ]]; then
    # Option 121's /1s take the tunnel's place; the /32 and the v6 routes are added beside.
    lab_ns lap ip route replace 0.0.0.0/1 via "$LAB_HOME_GW4" dev eth0
    lab_ns lap ip route replace 128.0.0.0/1 via "$LAB_HOME_GW4" dev eth0
    lab_ns lap ip route add "$LAB_WEB4/32" via "$LAB_HOME_GW4" dev eth0
    lab_ns lap ip -6 route replace ::/1 via "$LAB_HOME_GW6" dev eth0
    lab_ns lap ip -6 route replace 8000::/1 via "$LAB_HOME_GW6" dev eth0
  else
    lab_ns lap ip route replace 0.0.0.0/1 dev "$LAB_WG_LAP"
    lab_ns lap ip route replace 128.0.0.0/1 dev "$LAB_WG_LAP"
    lab_ns lap ip route del "$LAB_WEB4/32" via "$LAB_HOME_GW4" dev eth0
    lab_ns lap ip -6 route replace ::/1 dev "$LAB_WG_LAP"
    lab_ns lap ip -6 route replace 8000::/1 dev "$LAB_WG_LAP"
  fi
}

echo "== the home network pushes routes via eth0"
n_overlap=$(agent_events '.event == "route-overlap" and .tunnel_up == true' | wc -l)
lab_capture_start phys lap eth0
push add
lab_check "kernel routes the web server via eth0" "eth0" "$(lab_oif $LAB_WEB4)"
lab_check "kernel routes everything public via eth0" "eth0" "$(lab_oif 198.18.0.1)"
FLOWS="tcp $LAB_WEB4 80 65534
tcp $LAB_WEB4 443 0
udp $LAB_WEB4 443 65534
icmp $LAB_WEB4 0 65534
tcp $LAB_WEB6 443 65534
icmp $LAB_WEB6 0 0
tcp 203.0.113.200 22 65534
udp $LAB_PUBDNS4 53 0
udp $LAB_PUBDNS4 53 65534
tcp $LAB_PUBDNS4 53 65534
tcp $LAB_CORP4 22 65534
udp $LAB_GW2_PUB4 80 65534"
lab_probe --timeout-ms 1500 <<<"$FLOWS" >"$LAB_DIR/probe.out"
rc=0
lab_ns lap setpriv --reuid 65534 --regid 65534 --clear-groups curl -sS -m 10 -o /dev/null "http://$LAB_WEB4/" 2>/dev/null || rc=$?
while read -r flow && read -r verdict <&3; do
  lab_check "$flow" "reject" "$verdict"
done <<<"$FLOWS" 3<"$LAB_DIR/probe.out"
lab_check "curl http://X/ as a user fails at once (exit 7)" "7" "$rc"
agent_wait_event ".event == \"route-overlap\" and .tunnel_up == true and (.routes | index(\"$LAB_WEB4 dev eth0\") != null)" 10 || true
ev=$(agent_events ".event == \"route-overlap\" and .tunnel_up == true" | tail -1)
echo "  event: $ev"
for r in "0.0.0.0/1 dev eth0" "128.0.0.0/1 dev eth0" "$LAB_WEB4 dev eth0" "::/1 dev eth0" "8000::/1 dev eth0"; do
  lab_check "route-overlap event names $r" "yes" "$(jq -e --arg r "$r" '.routes | index($r) != null' <<<"${ev:-{\}}" >/dev/null 2>&1 && echo yes || echo no)"
done
lab_check "status lists the route warnings" "yes" \
  "$(agent_field ".route_warnings | index(\"$LAB_WEB4 dev eth0\") != null | if . then \"yes\" else \"no\" end")"
lab_check "state stays tunnel" "tunnel" "$(agent_field .state)"
lab_capture_stop phys
# The VPN's own resolver (10.99.0.1) is in dns_resolvers while the tunnel is up; root's DNS to it
# leaving eth0 is the known dns-resolver issue of tests/lab/tunnelvision.sh (reported there).
leaks=$(lab_capture_read phys "$(agent_leak_filter "$MAC" "dst host $LAB_TUN_GW4 and port 53")")
lab_check "physical link: nothing but WireGuard and allowed control packets" "none" "${leaks:-none}"
dns_vpn=$(lab_capture_count phys "dst host $LAB_TUN_GW4 and port 53")
((dns_vpn == 0)) || echo "  XFAIL $dns_vpn DNS packets to the VPN resolver left eth0 (known dns-resolver issue)"

echo "== the pushed routes are withdrawn"
push del
PUSHED_JSON='["0.0.0.0/1 dev eth0","128.0.0.0/1 dev eth0","203.0.113.80 dev eth0","::/1 dev eth0","8000::/1 dev eth0"]'
agent_wait ".route_warnings - $PUSHED_JSON == .route_warnings" 10 || true
lab_check "status: the pushed routes are no longer warned about" "none" \
  "$(agent_field "[.route_warnings[] | select(. as \$r | $PUSHED_JSON | index(\$r))] | if length == 0 then \"none\" else join(\", \") end")"
rest=$(agent_field '.route_warnings | join(", ")')
# Known agent bug (reported): IPv6 on-link prefixes (kernel routes have scope universe in IPv6,
# not link) are warned about as overlapping routes.
[[ -n "$rest" ]] && echo "  XFAIL remaining route warnings without a pushed route: $rest (IPv6 on-link prefix reported)"
lab_check "after: web server through the tunnel again" "allow" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"
lab_summary
