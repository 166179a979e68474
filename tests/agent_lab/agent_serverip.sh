#!/usr/bin/env bash
# Agent lab test: TunnelCrack "ServerIP" with the live agent.
#   usage: agent_serverip.sh NETWARDEN_BINARY
# The home resolver (dnsmasq) answers the gateway's name vpn.example.net with the web server's
# address X. The agent resolves the name itself (c-ares, through the resolver in resolv.conf)
# and puts X into the gateway exception, which is udp/51820 only. An ordinary user's curl
# http://X/, TCP/UDP to X on other ports and ICMP are rejected and the web server's capture sees
# nothing of them. Then the policy limits the gateway to root (`user: 0`) and is reloaded through
# the control socket: now even UDP to X's gateway port is rejected for the user, and X sees nothing
# at all.
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/../lab/lib.sh"
source "$(dirname "$0")/agent_lib.sh"

lab_init asi
lab_build
AGENT_POLICY=$LAB_DIR/policy.yaml
agent_policy "$AGENT_POLICY" private

lab_walk home
lab_dns home "$LAB_HOME_GW4" vpn.example.net=$LAB_WEB4
lab_wait 20 bash -c "ip netns exec $LAB_LAP getent ahostsv4 vpn.example.net | grep -q '^$LAB_WEB4 '" ||
  lab_die "the spoofed answer did not arrive"
agent_start
agent_wait ".gateways | map(.address) | index(\"$LAB_WEB4\") != null" 15 ||
  lab_die "the agent did not take the spoofed answer: $(agent_status)"
lab_check "agent resolved vpn.example.net to the web server's address" "$LAB_WEB4" \
  "$(agent_field '.resolved["vpn.example.net"].addresses[0]')"
lab_check "state" "blocked" "$(agent_field .state)"

nobody() { lab_ns lap setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }

run_variant() { # NAME
  local name=$1 rc=0 leaked
  echo "== $name"
  lab_capture_start "web-$name" web wan0
  nobody curl -sS -m 10 -o /dev/null "http://$LAB_WEB4/" 2>/dev/null || rc=$?
  lab_check "curl http://X/ as a user fails at once (exit 7)" "7" "$rc"
  lab_check "TCP to X:443, user" "reject" "$(lab_probe1 tcp $LAB_WEB4 443 65534)"
  lab_check "TCP to X:22, user" "reject" "$(lab_probe1 tcp $LAB_WEB4 22 65534)"
  lab_check "UDP to X:9999, user" "reject" "$(lab_probe1 udp $LAB_WEB4 9999 65534)"
  lab_check "UDP to X:53, user" "reject" "$(lab_probe1 udp $LAB_WEB4 53 65534)"
  lab_check "UDP to X:51821, root" "reject" "$(lab_probe1 udp $LAB_WEB4 51821 0)"
  lab_check "TCP to X:51820 (wrong protocol), root" "reject" "$(lab_probe1 tcp $LAB_WEB4 51820 0)"
  lab_check "ICMP to X, user" "reject" "$(lab_probe1 icmp $LAB_WEB4 0 65534)"
  if [[ $name == root-only ]]; then
    lab_check "UDP to X:$LAB_GW_PORT, user (gateway limited to root)" "reject" "$(lab_probe1 udp $LAB_WEB4 $LAB_GW_PORT 65534)"
  else
    # The residual of an exception without a user: the VPN's own protocol+port stays open.
    lab_check "UDP to X:$LAB_GW_PORT, user (residual: the VPN port stays open)" "allow" "$(lab_probe1 udp $LAB_WEB4 $LAB_GW_PORT 65534)"
  fi
  lab_capture_stop "web-$name"
  leaked=$(lab_capture_read "web-$name" "dst host $LAB_WEB4 and not (udp and dst port $LAB_GW_PORT)")
  lab_check "X saw nothing from the laptop but udp/$LAB_GW_PORT" "none" "${leaked:-none}"
  if [[ $name == root-only ]]; then
    lab_check "X saw nothing at all from the laptop" "0" "$(lab_capture_count "web-$name" "dst host $LAB_WEB4")"
  fi
}

run_variant any-user

# Restrict the named gateway to root and reload through the control socket.
sed -i '/host: vpn.example.net/,/port: 51820/ s/^\(      port: 51820\).*/\1\n      user: 0/' "$AGENT_POLICY"
grep -q 'user: 0' <(sed -n '/host: vpn.example.net/,/address:/p' "$AGENT_POLICY") || lab_die "could not add user: 0"
gen=$(agent_field .generation)
"$NETWARDEN" reload --control "$AGENT_SOCK" >/dev/null || lab_die "reload refused"
lab_check "reload applied a new generation" "yes" "$( (($(agent_field .generation) > gen)) && echo yes || echo no)"
lab_check "reload event" "yes" "$(agent_events '.event == "reload" and .ok == true' | grep -q . && echo yes || echo no)"
run_variant root-only

# A bad policy is refused and the old one stays in force.
cp "$AGENT_POLICY" "$LAB_DIR/good.yaml"
echo "this is: [not a policy" >"$AGENT_POLICY"
rc=0
"$NETWARDEN" reload --control "$AGENT_SOCK" >/dev/null 2>&1 || rc=$?
lab_check "a bad policy is refused" "refused" "$( ((rc != 0)) && echo refused || echo accepted)"
lab_check "status shows the policy error" "yes" "$(agent_field '.policy_error // empty' | grep -q . && echo yes || echo no)"
lab_check "the old policy stays: UDP to X:$LAB_GW_PORT, user" "reject" "$(lab_probe1 udp $LAB_WEB4 $LAB_GW_PORT 65534)"
lab_check "the old policy stays: TCP to X:80, user" "reject" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"
lab_summary
