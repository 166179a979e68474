#!/usr/bin/env bash
# Forced VPN + `program:` on the gateway (closes TunnelCrack ServerIP for everything else): in a
# namespace of our own with the forced-VPN nftables ruleset applied, the VPN program reaches the
# gateway; curl to the gateway address on the same port is refused at once (EPERM) by the app
# firewall, and other destinations stay blocked by the forced VPN.
source "$(dirname "$0")/lib.sh"

peer="${ns}-gw"
ip netns add "$peer"
cleanup_hooks+=("ip netns del '$peer'")
ip -n "$ns" link add eth0 type veth peer name eth0 netns "$peer"
ip -n "$ns" addr add 10.9.0.2/24 dev eth0
ip -n "$peer" addr add 10.9.0.1/24 dev eth0
ip -n "$ns" link set eth0 up
ip -n "$peer" link set eth0 up
ip -n "$peer" link set lo up

vpn=$(program vpnclient)
cp /usr/bin/curl "$work/bin/curl"
cat > "$work/policy.yaml" <<YAML
version: 1
vpn:
  gateways:
    - address: 10.9.0.1
      protocol: tcp
      port: 443
      program: $vpn
  tunnel_interfaces: [wg0]
apps:
  default: allow
YAML
spawn "$work/server.out" ip netns exec "$peer" "$probe" serve 443 --seconds 60
spawn "$work/server80.out" ip netns exec "$peer" "$probe" serve 80 --seconds 60
wait_for "$work/server.out" listening
wait_for "$work/server80.out" listening
in_ns "$netwarden" apply "$work/policy.yaml" > "$work/nft.out" 2>&1 || fail "forced VPN: $(cat "$work/nft.out")"
appfw_apply "$work/policy.yaml" > "$work/apply.out" 2>&1 || fail "apply: $(cat "$work/apply.out")"

expect connected "$(in_cgroup "$vpn" connect tcp 10.9.0.1 443)" "the VPN program to the gateway"
expect eperm "$(in_cgroup "$probe" connect tcp 10.9.0.1 443)" "another program to the gateway"
set +e
out=$(in_cgroup "$work/bin/curl" -sS --max-time 3 http://10.9.0.1:443/ 2>&1); rc=$?
set -e
expect 7 "$rc" "curl to the gateway's port (exit code; output: $out)"
expect_has "gateway-program:10.9.0.1 tcp/443" "$(appfw_events)" "event names the gateway rule"
expect_has "deny gateway-program:10.9.0.1 tcp/443: only $vpn may use this gateway exception" \
  "$(explain "$work/policy.yaml" --program "$work/bin/curl" --proto tcp --dst 10.9.0.1 --port 443)" \
  "explain curl"
expect_has "allow default" \
  "$(explain "$work/policy.yaml" --program "$vpn" --proto tcp --dst 10.9.0.1 --port 443)" "explain vpn"
# The forced VPN still blocks the gateway's other ports, for the VPN program too (nft reject).
expect refused "$(in_cgroup "$vpn" connect tcp 10.9.0.1 80)" "the VPN program to port 80"
expect_has "reject" "$("$netwarden" explain "$work/policy.yaml" --proto tcp --dst 10.9.0.1 --port 80)" \
  "forced VPN explain unchanged"
echo "appfw gateway: ok"
