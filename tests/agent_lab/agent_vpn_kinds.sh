#!/usr/bin/env bash
# Agent lab test: the VPN kinds of the VPN primer (seeds/001) under the agent's enforcement.
#   usage: agent_vpn_kinds.sh NETWARDEN_BINARY
# Each kind has its own policy (tests/agent_lab/policy-*.yaml); the laptop sits on the untrusted
# home network. For each: the VPN works (the web server and the corporate server answer through
# it), direct traffic is rejected, the physical link carries nothing but the VPN's own packets to
# the gateway, and the web server sees only the gateway's address.
#   L3  WireGuard (wireguard-go): tunnel interface wgl<id>, gateway udp/51820.
#   L2  OpenVPN in TAP mode (static key, point-to-point): a virtual Ethernet NIC tapl<id> matched
#       by tunnel_interfaces ["tapl*"], gateway udp/1194.
#   L4  SSH port forwarding (ssh -L): no tunnel interface; only the gateway's tcp/22 (for root,
#       the ssh client) and loopback are reachable; applications use the forwarded local ports.
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lab/lib.sh"
source "$HERE/agent_lib.sh"
for tool in openvpn sshd ssh ssh-keygen; do
  command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin command -v "$tool" >/dev/null ||
    lab_die "missing $tool (run scripts/install-deps.sh)"
done
SSHD=$(PATH=$PATH:/usr/sbin command -v sshd)

lab_init avk
MADE_RUN_SSHD=
# sshd needs its privilege-separation directory; remove it again if we created it.
trap 'rc=$?; [[ -n "$MADE_RUN_SSHD" ]] && rmdir /run/sshd 2>/dev/null; (exit $rc); _lab_on_exit' EXIT
lab_build
lab_walk home
TAP_LAP=tapl$LAB_ID
TAP_GW=tapg$LAB_ID

# check_kind NAME EXTRA_ALLOWED_BPF: the common checks once the VPN is up.
check_kind() {
  local name=$1 extra=$2 mac n direct
  mac=$(agent_mac eth0)
  lab_capture_start "$name-phys" lap eth0
  lab_capture_start "$name-web" web wan0
  shift 2
  "$@" # the kind's own checks
  local rc=0
  lab_ns lap curl -sS -m 5 -o /dev/null --interface eth0 "http://$LAB_WEB4/" 2>/dev/null || rc=$?
  lab_check "$name: web server forced out of eth0 (curl --interface eth0) fails at once" "7" "$rc"
  lab_capture_stop "$name-phys"
  lab_capture_stop "$name-web"
  n=$(lab_capture_count "$name-phys" "$(agent_leak_filter "$mac" "$extra")")
  lab_check "$name: physical link carried only the VPN's packets" "0" \
    "$n$( ((n)) && lab_capture_read "$name-phys" "$(agent_leak_filter "$mac" "$extra")" | first3 | sed 's/^/ | /')"
  lab_check "$name: VPN packets seen on the link" "yes" "$( (($(lab_capture_count "$name-phys" "ether src $mac and ($extra)") > 0)) && echo yes || echo no)"
  direct=$(lab_capture_count "$name-web" "dst host $LAB_WEB4 and not src host $LAB_GW_PUB4")
  lab_check "$name: web server saw only the gateway's address" "0" "$direct"
  lab_check "$name: web server saw the gateway (traffic went through the VPN)" "yes" \
    "$( (($(lab_capture_count "$name-web" "dst host $LAB_WEB4 and src host $LAB_GW_PUB4") > 0)) && echo yes || echo no)"
}

echo "== L3: WireGuard"
AGENT_POLICY=$HERE/policy-wireguard.yaml
agent_start
agent_wait_state blocked 10 || lab_die "agent not blocked at home"
lab_tunnel_up
agent_wait_state tunnel 10 || true
lab_check "wireguard: state" "tunnel" "$(agent_field .state)"
lab_check "wireguard: tunnel interface" "$LAB_WG_LAP" "$(agent_field '.tunnels[0]')"
lab_wait 30 bash -c "echo 'tcp $LAB_WEB4 80 65534' | ip netns exec $LAB_LAP $NW_PROBE | grep -q ^allow" || true
wg_checks() {
  lab_check "wireguard: web server TCP through the tunnel" "allow" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"
  lab_check "wireguard: web server UDP through the tunnel" "allow" "$(lab_probe1 udp $LAB_WEB4 5000 65534)"
  lab_check "wireguard: corporate server through the tunnel" "allow" "$(lab_probe1 tcp $LAB_CORP4 22 65534)"
  lab_check "wireguard: gateway port as a user (gateway is root-only)" "reject" "$(lab_probe1 udp $LAB_GW_PUB4 $LAB_GW_PORT 65534 | sed 's/^timeout/reject(timeout)/')"
}
check_kind wireguard "udp and dst host $LAB_GW_PUB4 and dst port $LAB_GW_PORT" wg_checks
lab_tunnel_down
agent_stop

echo "== L2: OpenVPN in TAP mode"
lab_ns gw nft insert rule inet lab pre udp dport 1194 return
openvpn --genkey secret "$LAB_DIR/ovpn.key" 2>/dev/null
OVPN_COMMON=(--dev-type tap --proto udp --secret "$LAB_DIR/ovpn.key" --cipher AES-256-CBC --auth SHA256
  --ping 1 --ping-restart 10 --verb 3)
lab_daemon ovpn-gw gw openvpn --dev "$TAP_GW" "${OVPN_COMMON[@]}" --local "$LAB_GW_PUB4" --lport 1194 \
  --ifconfig 10.98.0.1 255.255.255.0
AGENT_POLICY=$HERE/policy-openvpn-tap.yaml
agent_start
agent_wait_state blocked 10 || lab_die "agent not blocked at home"
lab_daemon ovpn-lap lap openvpn --dev "$TAP_LAP" "${OVPN_COMMON[@]}" --remote "$LAB_GW_PUB4" 1194 --nobind \
  --ifconfig 10.98.0.2 255.255.255.0
lab_wait 20 grep -q "Initialization Sequence Completed" "$LAB_DIR/ovpn-lap.log" ||
  { tail -20 "$LAB_DIR/ovpn-lap.log" "$LAB_DIR/ovpn-gw.log"; lab_die "openvpn did not connect"; }
lab_check "openvpn: the TAP device is an Ethernet NIC" "ether" \
  "$(ip -n "$LAB_LAP" -o link show "$TAP_LAP" | grep -o 'link/ether' | cut -d/ -f2)"
# Full tunnel through the TAP NIC: host route to the gateway via eth0, 0/1 + 128/1 via the tap.
lab_ns lap ip route replace "$LAB_GW_PUB4/32" via "$LAB_HOME_GW4" dev eth0
lab_ns lap ip route add 0.0.0.0/1 via 10.98.0.1 dev "$TAP_LAP"
lab_ns lap ip route add 128.0.0.0/1 via 10.98.0.1 dev "$TAP_LAP"
agent_wait_state tunnel 10 || true
lab_check "openvpn: state" "tunnel" "$(agent_field .state)"
lab_check "openvpn: tunnel interface" "$TAP_LAP" "$(agent_field '.tunnels[0]')"
lab_wait 20 bash -c "echo 'tcp $LAB_WEB4 80 65534' | ip netns exec $LAB_LAP $NW_PROBE | grep -q ^allow" || true
ovpn_checks() {
  lab_check "openvpn: web server TCP through the TAP NIC" "allow" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"
  lab_check "openvpn: web server UDP through the TAP NIC" "allow" "$(lab_probe1 udp $LAB_WEB4 5000 65534)"
  lab_check "openvpn: web server ICMP through the TAP NIC" "allow" "$(lab_probe1 icmp $LAB_WEB4 0 65534)"
  lab_check "openvpn: corporate server through the TAP NIC" "allow" "$(lab_probe1 tcp $LAB_CORP4 22 65534)"
  lab_check "openvpn: gateway port as a user (gateway is root-only)" "reject" "$(lab_probe1 udp $LAB_GW_PUB4 1194 65534)"
}
check_kind openvpn "udp and dst host $LAB_GW_PUB4 and dst port 1194" ovpn_checks
kill -TERM "$(cat "$LAB_DIR/pids/ovpn-lap")" 2>/dev/null || true
# The server side too: it would keep pinging the client's old port (answered by ICMP errors).
kill -TERM "$(cat "$LAB_DIR/pids/ovpn-gw")" 2>/dev/null || true
lab_wait 10 bash -c "! ip -n $LAB_LAP link show $TAP_LAP" || true
agent_wait_state blocked 10 || true
lab_check "openvpn stopped: state" "blocked" "$(agent_field .state)"
lab_check "openvpn stopped: web server" "reject" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"
lab_ns lap ip route del "$LAB_GW_PUB4/32" 2>/dev/null || true
agent_stop

echo "== L4: SSH port forwarding"
lab_ns gw nft insert rule inet lab pre tcp dport 22 return
[[ -d /run/sshd ]] || { mkdir -p /run/sshd && chmod 0755 /run/sshd && MADE_RUN_SSHD=1; }
ssh-keygen -q -t ed25519 -N '' -f "$LAB_DIR/ssh_host_key"
ssh-keygen -q -t ed25519 -N '' -f "$LAB_DIR/id_client"
cp "$LAB_DIR/id_client.pub" "$LAB_DIR/authorized_keys"
cat >"$LAB_DIR/sshd_config" <<EOF
ListenAddress $LAB_GW_PUB4:22
HostKey $LAB_DIR/ssh_host_key
PidFile $LAB_DIR/sshd.pid
AuthorizedKeysFile $LAB_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
EOF
lab_daemon sshd gw "$SSHD" -D -e -f "$LAB_DIR/sshd_config"
lab_wait 10 _lab_listening gw tcp 22 || { cat "$LAB_DIR/sshd.log"; lab_die "sshd did not start"; }
AGENT_POLICY=$HERE/policy-ssh.yaml
agent_start
agent_wait_state blocked 10 || lab_die "agent not blocked at home"
lab_daemon ssh lap ssh -F /dev/null -N -i "$LAB_DIR/id_client" -o StrictHostKeyChecking=no \
  -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o ExitOnForwardFailure=yes -o ServerAliveInterval=5 \
  -L "127.0.0.1:18080:$LAB_WEB4:80" -L "127.0.0.1:18022:$LAB_CORP4:22" "root@$LAB_GW_PUB4"
lab_wait 15 _lab_listening lap tcp 18080 || { cat "$LAB_DIR/ssh.log" "$LAB_DIR/sshd.log"; lab_die "ssh -L did not come up"; }
lab_check "ssh: state (no tunnel interface)" "blocked" "$(agent_field .state)"
ssh_checks() {
  local body
  body=$(lab_ns lap setpriv --reuid 65534 --regid 65534 --clear-groups curl -sS -m 10 "http://127.0.0.1:18080/" 2>&1 || true)
  lab_check "ssh: a user's curl to the forwarded port reaches the web server" "netwarden" "$body"
  lab_check "ssh: forwarded port to the corporate server" "allow" "$(lab_probe1 tcp 127.0.0.1 18022 65534)"
  lab_check "ssh: web server directly" "reject" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"
  lab_check "ssh: corporate server directly" "reject" "$(lab_probe1 tcp $LAB_CORP4 22 65534)"
  lab_check "ssh: public resolver, root" "reject" "$(lab_probe1 udp $LAB_PUBDNS4 53 0)"
  lab_check "ssh: the gateway's other ports" "reject" "$(lab_probe1 tcp $LAB_GW_PUB4 80 0)"
  lab_check "ssh: the gateway's SSH port as a user (root only)" "reject" "$(lab_probe1 tcp $LAB_GW_PUB4 22 65534)"
  lab_check "ssh: the gateway's SSH port as root" "allow" "$(lab_probe1 tcp $LAB_GW_PUB4 22 0)"
}
check_kind ssh "tcp and dst host $LAB_GW_PUB4 and dst port 22" ssh_checks
lab_summary
