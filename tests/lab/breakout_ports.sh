#!/usr/bin/env bash
# Lab test: breakout entries that name their ports (issue 14, item 5), real kernel, real
# WireGuard. The lab policy's breakout list is replaced by
#   {cidr: 203.0.113.0/28, protocol: tcp, ports: [443]}
#   {host: meet.example.com, protocol: udp, ports: [3478-3481]}
# (every address of 203.0.113.0/24 answers on every port in the web namespace).
#   usage: breakout_ports.sh NETWARDEN_BINARY
# 1. Home, no tunnel: the named port of each breakout is reached directly (a plaintext packet on
#    the laptop's physical link); another port, the other protocol and ICMP of the same address
#    are rejected at once.
# 2. The tunnel up, and the breakouts routed around it over eth0 (what a VPN client's exclusion
#    does): the named port still leaves on eth0 in plaintext; another port of the same address is
#    rejected on eth0 (the route moves it out of the tunnel, the firewall keeps it in).
# 3. The name resolves elsewhere (a set update, not a new table): the old address's port closes,
#    the new one's opens, and only its named ports.
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/lib.sh"

lab_init bp
lab_build
POLICY=$LAB_DIR/policy.yaml
SIT=$LAB_DIR/situation.yaml
lab_policy "$POLICY" none
lab_breakout_ports "$POLICY"
check_out=$("$NETWARDEN" check "$POLICY" 2>&1) || lab_die "netwarden check rejects the policy: $check_out"
lab_check "check: no 'names no ports' warning for breakouts with ports" "none" \
  "$(grep -q 'names no' <<<"$check_out" && echo "warned: $check_out" || echo none)"

MEET_NEW4=203.0.113.78
apply() { # apply [meet.example.com's address]: the laptop's situation now → apply in the laptop
  lab_situation "$SIT"
  sed -i "s|^  meet.example.com: .*|  meet.example.com: [${1:-$LAB_MEET4}]|" "$SIT"
  lab_ns lap "$NETWARDEN" apply "$POLICY" --situation "$SIT" >"$LAB_DIR/apply.log" 2>&1 || {
    cat "$LAB_DIR/apply.log"
    lab_die "netwarden apply failed"
  }
}

# expect VERDICT DESCRIPTION PROTO DST PORT: one probe as an unprivileged user; rejects at once.
expect() {
  local want=$1 what=$2 got ms
  got=$(lab_probe1 "$3" "$4" "$5" 65534)
  lab_check "$what ($3 $4:$5)" "$want" "$got"
  ms=${got##* }
  ms=${ms%ms}
  if [[ "$want" == reject && "${got%% *}" == reject ]] && ((ms > 1000)); then
    lab_check "  ...and at once" "<1000ms" "${ms}ms"
  fi
}

# plain_on_eth0 FILTER: packets matching FILTER that the laptop's physical link carried.
plain_on_eth0() { lab_capture_count phys "$1"; }

echo "== 1. home network, no tunnel"
lab_walk home
apply
lab_capture_start phys lap eth0
sleep 0.5 # tcpdump says "listening" a moment before it sees the first packets
expect allow "breakout range, its port" tcp $LAB_BREAKOUT4 443
expect reject "breakout range, another port" tcp $LAB_BREAKOUT4 80
expect reject "breakout range, the other protocol" udp $LAB_BREAKOUT4 443
expect reject "breakout range, ICMP" icmp $LAB_BREAKOUT4 0
expect allow "breakout by name, its first port" udp $LAB_MEET4 3478
expect allow "breakout by name, its last port" udp $LAB_MEET4 3481
expect reject "breakout by name, just past its ports" udp $LAB_MEET4 3482
expect reject "breakout by name, the other protocol" tcp $LAB_MEET4 3479
expect reject "breakout by name, ICMP" icmp $LAB_MEET4 0
expect reject "outside every breakout" tcp $LAB_WEB4 443
lab_capture_stop phys
lab_check "the named port left on eth0 in plaintext" "yes" \
  "$( (($(plain_on_eth0 "tcp and dst host $LAB_BREAKOUT4 and dst port 443") > 0)) && echo yes || echo no)"
lab_check "  ...and the name's port too" "yes" \
  "$( (($(plain_on_eth0 "udp and dst host $LAB_MEET4 and dst port 3478") > 0)) && echo yes || echo no)"
lab_check "no packet to another port of them left" "0" \
  "$(plain_on_eth0 "(host $LAB_BREAKOUT4 and not port 443) or (host $LAB_MEET4 and not (udp and portrange 3478-3481))")"

echo "== 2. the tunnel up, the breakouts routed around it"
lab_tunnel_up
lab_ns lap ip route replace "$LAB_BREAKOUT4/32" via "$LAB_HOME_GW4" dev eth0
lab_ns lap ip route replace "$LAB_MEET4/32" via "$LAB_HOME_GW4" dev eth0
apply
lab_check "the breakout address is routed over eth0" "eth0" "$(lab_oif $LAB_BREAKOUT4)"
lab_capture_start phys lap eth0
sleep 0.5 # tcpdump says "listening" a moment before it sees the first packets
expect allow "split route: breakout's port on eth0" tcp $LAB_BREAKOUT4 443
expect reject "split route: another port of it on eth0" tcp $LAB_BREAKOUT4 22
expect allow "split route: the name's port on eth0" udp $LAB_MEET4 3480
expect reject "split route: another port of the name on eth0" udp $LAB_MEET4 5000
expect allow "the rest goes through the tunnel" tcp $LAB_WEB4 80
lab_capture_stop phys
lab_capture_read phys >"$LAB_DIR/phys2.txt"
lab_check "the breakout's port left on eth0 in plaintext" "yes" \
  "$( (($(plain_on_eth0 "tcp and dst host $LAB_BREAKOUT4 and dst port 443") > 0)) && echo yes || echo no)"
leaks=$(lab_capture_read phys "not arp and not (udp and host $LAB_GW_PUB4 and port $LAB_GW_PORT) and not (ip6 and (src net fe80::/10 or dst net ff00::/8)) and not (tcp and host $LAB_BREAKOUT4 and port 443) and not (udp and host $LAB_MEET4 and portrange 3478-3481)")
lab_check "eth0 carried nothing but WireGuard and the breakouts' ports" "none" "${leaks:-none}"

grep -q "$LAB_BREAKOUT4.443" "$LAB_DIR/phys2.txt" || { echo "eth0 carried:"; cat "$LAB_DIR/phys2.txt"; }

echo "== 3. the name resolves elsewhere"
lab_ns lap ip route replace "$MEET_NEW4/32" via "$LAB_HOME_GW4" dev eth0
apply "$MEET_NEW4"
lab_check "applied as a set update (same structure)" "updated" \
  "$(grep -q 'updated' "$LAB_DIR/apply.log" && echo updated || cat "$LAB_DIR/apply.log")"
expect allow "the new address, the name's port" udp $MEET_NEW4 3479
expect reject "the new address, another port" udp $MEET_NEW4 5000
expect reject "the old address, the name's port" udp $LAB_MEET4 3479
# The table only (`flush` would also touch the machine-wide BPF pin and feed cache paths).
lab_ns lap nft delete table inet netwarden
lab_check "root namespace has no netwarden table" "none" \
  "$(nft list table inet netwarden >/dev/null 2>&1 && echo "PRESENT (leaked into the host!)" || echo none)"

lab_summary
