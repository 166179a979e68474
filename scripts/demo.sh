#!/usr/bin/env bash
# `make demo`: forced VPN in a throw-away network lab (network namespaces; the host's own
# networking is not touched). Shows a blocked request, the tunnel coming up, and the same request
# succeeding through it; then removes the lab. Under a minute.
#   usage: scripts/demo.sh BUILD_DIR/netwarden
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 PATH/TO/netwarden}")
[[ -x "$NETWARDEN" ]] || { echo "demo: $NETWARDEN is not built" >&2; exit 1; }
source "$(dirname "$0")/../tests/lab/lib.sh"

bold='' norm=''
if [[ -t 1 ]]; then
  bold=$(tput bold 2>/dev/null || true)
  norm=$(tput sgr0 2>/dev/null || true)
fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$norm"; }
run() { # shows the command as typed on the laptop, then runs it there
  printf '  laptop# %s\n' "$*"
  lab_ns lap "$@" 2>&1 | sed 's/^/    /'
  return "${PIPESTATUS[0]}"
}

say "Building the lab: laptop, home router (NAT, DNS), internet, WireGuard gateway + corporate net, web server"
lab_init demo
lab_build 2>/dev/null
echo "  (namespaces ${LAB_PREFIX}-*, removed at the end; picture and addresses: docs/LAB.md)"
POLICY=$LAB_DIR/policy.yaml
SIT=$LAB_DIR/situation.yaml
lab_policy "$POLICY" private
echo "  policy: tests/lab/policy.yaml — only the VPN gateway vpn.example.net udp/51820, breakout"
echo "  203.0.113.0/28 + meet.example.com, captive portal, LAN (private ranges), DNS to the home router"

say "The laptop joins the home Wi-Fi (untrusted) and netwarden enforces the policy"
lab_walk home 2>/dev/null
lab_situation "$SIT"
printf '  laptop# netwarden apply policy.yaml --situation situation.yaml\n'
lab_ns lap "$NETWARDEN" apply "$POLICY" --situation "$SIT" 2>&1 | sed 's/^/    /'

say "A request to the public web server http://web.example/ ($LAB_WEB4): blocked at once"
start=$(date +%s%N)
run curl -sS -m 10 http://web.example/ || true
echo "    (failed after $((($(date +%s%N) - start) / 1000000)) ms: the firewall rejects, nothing hangs)"
printf '  laptop# netwarden explain ... --proto tcp --dst %s --port 80 --oif eth0\n' "$LAB_WEB4"
"$NETWARDEN" explain "$POLICY" --situation "$SIT" --proto tcp --dst "$LAB_WEB4" --port 80 --oif eth0 | sed 's/^/    /'

say "The VPN comes up: WireGuard $LAB_WG_LAP to the gateway $LAB_GW_PUB4:$LAB_GW_PORT (the one hole in the policy)"
lab_tunnel_up 2>/dev/null
lab_situation "$SIT"
echo "  the situation now lists the tunnel interface; netwarden applies it (a set update):"
printf '  laptop# netwarden apply policy.yaml --situation situation.yaml\n'
lab_ns lap "$NETWARDEN" apply "$POLICY" --situation "$SIT" 2>&1 | sed 's/^/    /'
run nft list set inet netwarden tunnel_ifaces | grep -E 'elements' || true

say "The same request again: it succeeds, through the tunnel"
lab_capture_start demo lap eth0
ok=0
for _ in 1 2 3 4 5; do # the first packet starts the WireGuard handshake
  if run curl -sS -m 5 http://web.example/; then ok=1; break; fi
  sleep 1
done
lab_capture_stop demo
run wg show "$LAB_WG_LAP" | grep -E 'endpoint|handshake|transfer' || true
echo "  on the laptop's physical link (eth0) meanwhile:"
lab_capture_read demo "not arp and not (ip6 and (src net fe80::/10 or dst net ff00::/8))" | head -4 | sed 's/^/    /'
echo "    ... $(lab_capture_count demo "udp and host $LAB_GW_PUB4 and port $LAB_GW_PORT") WireGuard packets," \
  "$(lab_capture_count demo "not arp and not (udp and host $LAB_GW_PUB4 and port $LAB_GW_PORT) and not (ip6 and (src net fe80::/10 or dst net ff00::/8))") others"

say "Removing the lab"
lab_teardown
trap - EXIT
if ((ok)); then
  echo "demo: done (blocked, tunnel up, allowed)"
  say "Act two: the live agent decides by itself (home -> tunnel -> office -> home)"
  bash "$(dirname "$0")/demo_agent.sh" "$NETWARDEN" 2> >(grep -v '^\[lab' >&2)
  say "Bonus: the VPN access-log audit on two generated months of F5 and Cisco logs"
  bash "$(dirname "$0")/../tests/audit/demo_audit.sh" "$NETWARDEN" /tmp/netwarden-audit-demo |
    tail -8 || echo "  (audit demo skipped)"
else
  echo "demo: the request through the tunnel did not succeed" >&2
  exit 1
fi
