#!/usr/bin/env bash
# Lab test: forced VPN end to end, real kernel, real WireGuard (wireguard-go).
#   usage: forced_vpn.sh NETWARDEN_BINARY
# 1. At home (untrusted), no tunnel: the web server is unreachable by TCP, UDP and ICMP, over
#    IPv4 and IPv6, and the failure is immediate (reject, not timeout); DNS only to the home
#    resolver and only for root; breakout, captive portal and LAN exceptions work; nothing else.
# 2. The tunnel comes up (situation changes, apply): the gateway's UDP port is reachable (the
#    handshake completes), the web server answers through the tunnel, and a capture on the
#    laptop's physical link shows nothing but WireGuard packets to the gateway.
# 3. Office network: before the probe result, blocked; the TLS probe's certificate hash matches
#    the policy; with the network verified, direct access works (plaintext on the physical link).
# 4. flush removes the table and everything is reachable again.
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/lib.sh"

lab_init fv
lab_build
POLICY=$LAB_DIR/policy.yaml
SIT=$LAB_DIR/situation.yaml
lab_policy "$POLICY" private
"$NETWARDEN" check "$POLICY" >/dev/null || lab_die "netwarden check rejects the lab policy"

apply() { # apply [verified NETWORK]: situation of the laptop now → netwarden apply in the laptop
  lab_situation "$SIT" "$@"
  lab_ns lap "$NETWARDEN" apply "$POLICY" --situation "$SIT" >"$LAB_DIR/apply.log" 2>&1 || {
    cat "$LAB_DIR/apply.log"
    lab_die "netwarden apply failed"
  }
  lab_ns lap nft list table inet netwarden >/dev/null || lab_die "no table inet netwarden after apply"
}

# expect VERDICT DESCRIPTION PROTO DST PORT [UID]: one probe; rejects must come within 1 s.
expect() {
  local want=$1 what=$2 got ms
  got=$(lab_probe1 "$3" "$4" "$5" "${6:-65534}")
  lab_check "$what ($3 $4:$5 uid ${6:-65534})" "$want" "$got"
  ms=${got##* }
  ms=${ms%ms}
  if [[ "$want" == reject && "${got%% *}" == reject ]] && ((ms > 1000)); then
    lab_check "  ...and at once" "<1000ms" "${ms}ms"
  fi
}

echo "== 1. home network, untrusted, no tunnel"
lab_walk home
apply
expect reject "web server, TCP" tcp $LAB_WEB4 80
expect reject "web server, TCP, root" tcp $LAB_WEB4 443 0
expect reject "web server, UDP" udp $LAB_WEB4 9999
expect reject "web server, ICMP echo" icmp $LAB_WEB4 0
expect reject "web server, IPv6 TCP" tcp $LAB_WEB6 80
expect reject "web server, IPv6 UDP" udp $LAB_WEB6 9999
expect reject "web server, ICMPv6 echo" icmp $LAB_WEB6 0
expect reject "gateway, other protocol" tcp $LAB_GW_PUB4 $LAB_GW_PORT 0
expect reject "gateway, other port" udp $LAB_GW_PUB4 $((LAB_GW_PORT + 1)) 0
expect reject "public resolver (DNS leak)" udp $LAB_PUBDNS4 53 0
expect reject "DNS-over-TLS port" tcp $LAB_PUBDNS4 853 0
expect allow "home resolver, root" udp $LAB_HOME_GW4 53 0
expect reject "home resolver, unprivileged user" udp $LAB_HOME_GW4 53 65534
expect allow "breakout range" tcp $LAB_BREAKOUT4 443
expect allow "breakout range, ICMP" icmp $LAB_BREAKOUT4 0
expect allow "breakout range, UDP" udp 203.0.113.14 3478
expect reject "just outside the breakout range" tcp 203.0.113.16 443
expect allow "breakout by name (meet.example.com)" tcp $LAB_MEET4 443
expect allow "captive portal login host, HTTP" tcp $LAB_PORTAL4 80
expect reject "captive portal login host, other port" tcp $LAB_PORTAL4 22
expect allow "home LAN (lan: private)" tcp $LAB_HOME_GW4 22
expect allow "home LAN host, UDP" udp 192.168.1.200 5000
# Nothing else: a sweep of public destinations and ports, all rejected at once.
sweep=$LAB_DIR/sweep.txt
: >"$sweep"
for host in 203.0.113.16 203.0.113.42 203.0.113.80 203.0.113.200 198.51.100.1 2001:db8:113::9; do
  for port in 22 25 80 123 443 8080 51820 65000; do
    echo "tcp $host $port 65534" >>"$sweep"
    echo "udp $host $port 65534" >>"$sweep"
  done
  echo "icmp $host 0 65534" >>"$sweep"
done
lab_probe <"$sweep" >"$LAB_DIR/sweep.out"
not_rejected=$(paste -d' ' "$sweep" "$LAB_DIR/sweep.out" | grep -v ' reject ' || true)
# The gateway's own UDP port is the one allowed public flow (wireguard-go does not answer it).
not_rejected=$(grep -v "^udp $LAB_GW_PUB4 $LAB_GW_PORT " <<<"$not_rejected" || true)
lab_check "sweep of $(wc -l <"$sweep") public flows: all rejected" "none" "${not_rejected:-none}"
t0=$(date +%s%N)
rc=0
lab_ns lap curl -sS -m 10 -o /dev/null "http://web.example/" 2>"$LAB_DIR/curl.err" || rc=$?
t1=$(date +%s%N)
lab_check "curl http://web.example/ (name resolves, connect fails) exit 7" "7" "$rc"
lab_check "  ...in under a second" "fast" "$( (((t1 - t0) / 1000000 < 1000)) && echo fast || echo "slow $(((t1 - t0) / 1000000))ms")"

echo "== 2. the tunnel comes up"
lab_tunnel_up
apply
lab_capture_start phys lap eth0
lab_capture_start websrv web wan0
# The first packet triggers the handshake: poll with a generous bound.
lab_wait 30 bash -c "echo 'tcp $LAB_WEB4 80 65534' | ip netns exec $LAB_LAP $NW_PROBE | grep -q ^allow" || true
lab_check "handshake with the gateway (its UDP port is reachable)" "yes" "$(lab_tunnel_handshake && echo yes || echo no)"
expect allow "web server through the tunnel, TCP" tcp $LAB_WEB4 80
expect allow "web server through the tunnel, UDP" udp $LAB_WEB4 9999
expect allow "web server through the tunnel, ICMP" icmp $LAB_WEB4 0
expect allow "web server through the tunnel, IPv6 TCP" tcp $LAB_WEB6 80
expect allow "corporate server through the tunnel" tcp $LAB_CORP4 22
body=$(lab_ns lap curl -sS -m 10 "http://web.example/" 2>&1 || true)
lab_check "curl http://web.example/ through the tunnel" "netwarden" "$body"
lab_capture_stop phys
lab_capture_stop websrv
wg_pkts=$(lab_capture_count phys "udp and host $LAB_GW_PUB4 and port $LAB_GW_PORT")
# Everything else that is IP and not link-local control traffic (ARP, NDP, MLD) is a leak.
leaks=$(lab_capture_read phys "not arp and not (udp and host $LAB_GW_PUB4 and port $LAB_GW_PORT) and not (ip6 and (src net fe80::/10 or dst net ff00::/8))")
lab_check "physical link carried WireGuard packets" "yes" "$( ((wg_pkts > 0)) && echo yes || echo no) ($wg_pkts)"
lab_check "physical link carried nothing else" "none" "${leaks:-none}"
from_gw=$(lab_capture_count websrv "tcp and dst host $LAB_WEB4 and src host $LAB_GW_PUB4")
direct=$(lab_capture_count websrv "dst host $LAB_WEB4 and not src host $LAB_GW_PUB4")
lab_check "web server saw the gateway's address (NAT of the tunnel)" "yes" "$( ((from_gw > 0)) && echo yes || echo no) ($from_gw)"
lab_check "web server saw no direct packet from the laptop" "0" "$direct"

echo "== 3. the office network"
lab_tunnel_down
lab_walk office
apply
expect reject "office, not yet verified: web server" tcp $LAB_WEB4 80
expect allow "office, not yet verified: TLS probe server (lan: private)" tcp $LAB_OFFICE_PROBE4 443
expect allow "office proxy" tcp $LAB_OFFICE_PROXY4 3128
seen=$(lab_office_probe_sha256)
lab_check "probe server certificate SHA-256 matches the policy" "match" \
  "$([[ "$seen" == "$(cat "$LAB_DIR/probe.sha256")" ]] && echo match || echo "differs: $seen")"
apply verified office
lab_capture_start office lap eth0
expect allow "office, verified: web server directly, TCP" tcp $LAB_WEB4 80
expect allow "office, verified: web server directly, UDP" udp $LAB_WEB4 9999
expect allow "office, verified: web server directly, ICMP" icmp $LAB_WEB4 0
expect allow "office, verified: web server directly, IPv6" tcp $LAB_WEB6 443
expect allow "office, verified: public resolver" udp $LAB_PUBDNS4 53 0
lab_capture_stop office
plain=$(lab_capture_count office "tcp and dst host $LAB_WEB4 and dst port 80")
lab_check "office: plaintext SYN to the web server on the physical link" "yes" "$( ((plain > 0)) && echo yes || echo no)"

echo "== 4. flush"
lab_walk home
apply
expect reject "home again: web server" tcp $LAB_WEB4 80
lab_ns lap "$NETWARDEN" flush --pin "$LAB_DIR/pins" --threat-cache "$LAB_DIR/threats"
lab_check "flush removed the table" "gone" "$(lab_ns lap nft list table inet netwarden >/dev/null 2>&1 && echo present || echo gone)"
expect allow "after flush: web server" tcp $LAB_WEB4 80
lab_check "root namespace has no netwarden table" "none" \
  "$(nft list table inet netwarden >/dev/null 2>&1 && echo "PRESENT (leaked into the host!)" || echo none)"

lab_summary
