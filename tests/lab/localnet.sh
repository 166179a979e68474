#!/usr/bin/env bash
# Lab test: TunnelCrack "LocalNet" (Vanhoef et al., USENIX Security 2023).
#   usage: localnet.sh NETWARDEN_BINARY
# A rogue Wi-Fi hands the laptop 203.0.113.10/24, a PUBLIC subnet that contains the web server's
# address 203.0.113.80, and answers for that address itself. The kernel's connected route then
# sends traffic for the web server out of eth0 in plaintext, beside the VPN. With `lan: private`
# only private and link-local ranges count as LAN, so netwarden must reject that traffic: the
# rogue's capture must show no packet from the laptop to 203.0.113.80.
# Control: without netwarden's ruleset the same requests DO reach the rogue (the attack is real in
# the lab and the capture sees it).
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/lib.sh"

lab_init ln
lab_build
POLICY=$LAB_DIR/policy.yaml
SIT=$LAB_DIR/situation.yaml
lab_policy "$POLICY" private

apply() {
  lab_situation "$SIT" "$@"
  lab_ns lap "$NETWARDEN" apply "$POLICY" --situation "$SIT" >"$LAB_DIR/apply.log" 2>&1 || {
    cat "$LAB_DIR/apply.log"
    lab_die "netwarden apply failed"
  }
}

# The flows an application would send to the web server; nw_probe input.
FLOWS="tcp $LAB_WEB4 80 65534
tcp $LAB_WEB4 443 65534
tcp $LAB_WEB4 80 0
udp $LAB_WEB4 443 65534
udp $LAB_WEB4 53 0
icmp $LAB_WEB4 0 65534
icmp $LAB_WEB4 0 0
tcp 203.0.113.200 443 65534"
# Plaintext from the laptop to the web server's address (or anywhere in the rogue /24 but the
# rogue's router address, which the gateway's host route uses as next hop).
PLAIN="ip and src host $LAB_ROGUE_LAP4 and (dst host $LAB_WEB4 or dst host 203.0.113.200)"

lab_walk rogue
lab_tunnel_up
lab_wait 30 bash -c "echo 'icmp $LAB_TUN_GW4 0 0' | ip netns exec $LAB_LAP $NW_PROBE --timeout-ms 1000 | grep -q ^allow" ||
  lab_die "the tunnel does not carry traffic from the rogue network"
echo "laptop on the rogue network: $(ip -n "$LAB_LAP" -o -4 addr show dev eth0 | awk '{print $4}'); route to the web server:"
echo "  $(ip -n "$LAB_LAP" route get $LAB_WEB4 | head -1)"

echo "== control: no ruleset, tunnel up: the connected route leaks to the rogue"
lab_capture_start control rogue lan0
lab_probe <<<"$FLOWS" >"$LAB_DIR/control.out"
lab_ns lap curl -sS -m 5 -o /dev/null "http://web.example/" 2>/dev/null || true
lab_capture_stop control
n=$(lab_capture_count control "$PLAIN")
lab_check "without netwarden the rogue sees plaintext from the laptop" "leaks" \
  "$( ((n > 0)) && echo leaks || echo none) ($n packets)"
lab_check "  ...and answers as the web server" "allow" "$(head -1 "$LAB_DIR/control.out")"

echo "== netwarden applied (lan: private), tunnel up"
apply
expl=$("$NETWARDEN" explain "$POLICY" --situation "$SIT" --proto tcp --dst $LAB_WEB4 --port 80 --oif eth0 --uid 65534)
lab_check "explain: web server via eth0 (in eth0's own subnet)" "reject" "$expl"
lab_check "explain: rule" "default-block" "$(head -1 <<<"$expl" | awk '{print $2}' | tr -d :)"
lab_capture_start rogue rogue lan0
lab_probe <<<"$FLOWS" >"$LAB_DIR/probe.out"
rc=0
lab_ns lap curl -sS -m 10 -o /dev/null "http://web.example/" 2>/dev/null || rc=$?
# Traffic that should still work: the tunnel itself, and LAN-private/corporate through it.
tunnel_ok=$(lab_probe1 tcp $LAB_CORP4 22 65534)
lab_capture_stop rogue
while read -r flow && read -r verdict <&3; do
  lab_check "$flow" "reject" "$verdict"
done <<<"$FLOWS" 3<"$LAB_DIR/probe.out"
lab_check "curl http://web.example/ fails (exit 7: connection refused)" "7" "$rc"
lab_check "corporate server through the tunnel still works" "allow" "$tunnel_ok"
n=$(lab_capture_count rogue "$PLAIN")
lab_check "rogue saw no plaintext packet from the laptop to the web server" "0" "$n"
other=$(lab_capture_read rogue "ip and src host $LAB_ROGUE_LAP4 and not (udp and dst host $LAB_GW_PUB4 and dst port $LAB_GW_PORT)")
lab_check "rogue saw nothing from the laptop but WireGuard" "none" "${other:-none}"
wg=$(lab_capture_count rogue "udp and src host $LAB_ROGUE_LAP4 and dst host $LAB_GW_PUB4 and dst port $LAB_GW_PORT")
lab_check "  ...and WireGuard was flowing" "yes" "$( ((wg > 0)) && echo yes || echo no) ($wg packets)"

echo "== netwarden applied, tunnel down (untrusted rogue network)"
lab_tunnel_down
apply
lab_capture_start rogue2 rogue lan0
lab_probe <<<"$FLOWS" >"$LAB_DIR/probe2.out"
lab_capture_stop rogue2
lab_check "all flows to the web server rejected" "none" \
  "$(grep -v '^reject' "$LAB_DIR/probe2.out" | head -1 || echo none)"
n=$(lab_capture_count rogue2 "$PLAIN")
lab_check "rogue saw no plaintext packet from the laptop to the web server" "0" "$n"

lab_summary
