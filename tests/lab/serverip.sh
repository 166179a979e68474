#!/usr/bin/env bash
# Lab test: TunnelCrack "ServerIP" (Vanhoef et al., USENIX Security 2023).
#   usage: serverip.sh NETWARDEN_BINARY
# The home network's resolver is hostile: it answers the VPN gateway's name vpn.example.net with
# the web server's address X = 203.0.113.80. An agent that trusts that answer puts X into the
# gateway exception. netwarden limits the exception to the VPN's protocol+port (udp/51820) and,
# with `user: 0` on the gateway, to the VPN client's user, so an ordinary user's HTTP request and
# UDP to X on another port, and even UDP to X's port 51820, are rejected and never reach X.
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/lib.sh"

lab_init si
lab_build
SIT=$LAB_DIR/situation.yaml
POLICY=$LAB_DIR/policy.yaml
POLICY_UID=$LAB_DIR/policy-uid.yaml
lab_policy "$POLICY" private
# The same policy with the named gateway restricted to root (the VPN client's user).
sed '/host: vpn.example.net/,/port: 51820/ s/^\(      port: 51820\).*/\1\n      user: 0/' "$POLICY" >"$POLICY_UID"
grep -q 'user: 0' <(sed -n '/host: vpn.example.net/,/address:/p' "$POLICY_UID") || lab_die "could not add user: 0"

lab_walk home
lab_dns home "$LAB_HOME_GW4" vpn.example.net=$LAB_WEB4
# The agent resolves the gateway's name through the (spoofing) home resolver.
lab_wait 20 bash -c "ip netns exec $LAB_LAP getent ahostsv4 vpn.example.net | grep -q '^$LAB_WEB4 '" ||
  lab_die "the spoofed answer did not arrive"
resolved=$(lab_ns lap getent ahostsv4 vpn.example.net | awk 'NR == 1 {print $1}')
lab_check "home resolver answers vpn.example.net with the web server's address" "$LAB_WEB4" "$resolved"
LAB_RESOLVED_VPN=$resolved

nobody() { lab_ns lap setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }

for variant in any-user root-only; do
  policy=$POLICY
  [[ $variant == root-only ]] && policy=$POLICY_UID
  echo "== gateway exception for $variant, vpn.example.net resolved to $LAB_WEB4"
  lab_situation "$SIT"
  lab_ns lap "$NETWARDEN" apply "$policy" --situation "$SIT" >"$LAB_DIR/apply.log" 2>&1 ||
    { cat "$LAB_DIR/apply.log"; lab_die "apply failed"; }
  lab_capture_start "web-$variant" web wan0
  rc=0
  nobody curl -sS -m 10 -o /dev/null "http://$LAB_WEB4/" 2>/dev/null || rc=$?
  lab_check "curl http://$LAB_WEB4/ as a user fails at once (exit 7)" "7" "$rc"
  lab_check "TCP to X:443, user" "reject" "$(lab_probe1 tcp $LAB_WEB4 443 65534)"
  lab_check "UDP to X:9999, user" "reject" "$(lab_probe1 udp $LAB_WEB4 9999 65534)"
  lab_check "UDP to X:51821, root" "reject" "$(lab_probe1 udp $LAB_WEB4 51821 0)"
  lab_check "TCP to X:51820 (wrong protocol), root" "reject" "$(lab_probe1 tcp $LAB_WEB4 51820 0)"
  lab_check "ICMP to X, user" "reject" "$(lab_probe1 icmp $LAB_WEB4 0 65534)"
  # UDP to X's gateway port as an ordinary user: the residual of an unrestricted exception.
  v=$(lab_probe1 udp $LAB_WEB4 $LAB_GW_PORT 65534)
  e=$("$NETWARDEN" explain "$policy" --situation "$SIT" --proto udp --dst $LAB_WEB4 --port $LAB_GW_PORT --oif eth0 --uid 65534)
  if [[ $variant == root-only ]]; then
    lab_check "UDP to X:$LAB_GW_PORT, user (gateway limited to root)" "reject" "$v"
  else
    # Without a user restriction the gateway's protocol+port stays open for everyone; the kernel
    # must still agree with explain (udp to the echo sink answers when allowed).
    lab_check "UDP to X:$LAB_GW_PORT, user, no user restriction: kernel = explain" "${e%% *}" "$v"
  fi
  lab_capture_stop "web-$variant"
  leaked=$(lab_capture_read "web-$variant" "dst host $LAB_WEB4 and not (udp and dst port $LAB_GW_PORT)")
  lab_check "web server X saw nothing from the laptop but (maybe) udp/$LAB_GW_PORT" "none" "${leaked:-none}"
  if [[ $variant == root-only ]]; then
    any=$(lab_capture_count "web-$variant" "dst host $LAB_WEB4")
    lab_check "web server X saw nothing at all from the laptop" "0" "$any"
  fi
done

lab_summary
