# shellcheck shell=bash
# Shared by tests/threats/enforce_test.sh and scale_test.sh: a client/server namespace pair joined
# by a veth (client nwt0 198.51.100.1/24 + 2001:db8:99::1/64, server nwt1 with whatever addresses
# the test adds), removed with every process the test started on exit, even on failure; and the
# reachability checks (TCP and UDP echo on port 7777, ping) run from the client.
#
#   source tests/threats/lib.sh
#   threats_pair PREFIX     # namespaces PREFIX-c-$$ / PREFIX-s-$$, $work, cleanup trap
#   threats_bg NS CMD... >LOG 2>&1   # a background process in NS, killed on exit; pid in $last_pid
#   c CMD... / s CMD...     # run in the client / the server
#   wait_listening NS PORT  # until a TCP listener is up in NS (5 s at most)
#   threats_tls [ADDRESS]   # $tls_cert / $tls_key for the feed server (https only)
#   tcp_ok / udp_ok / icmp_ok / reachable / refused / tcp_reset ADDRESS
#
# Below: the inspection lab of inspect_test.sh and inspect_agent_test.sh (tests/lab/lib.sh based).

fail() { echo "FAIL: $*" >&2; exit 1; }
c() { ip netns exec "$client" "$@"; }
s() { ip netns exec "$server" "$@"; }

threats_cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$client" 2>/dev/null || true
  ip netns del "$server" 2>/dev/null || true
  rm -rf "$work"
}

threats_pair() {
  client="$1-c-$$"; server="$1-s-$$"
  work=$(mktemp -d)
  pids=()
  trap threats_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  ip netns add "$client"; ip netns add "$server"
  ip link add nwt0 netns "$client" type veth peer name nwt1 netns "$server"
  c ip link set lo up; s ip link set lo up
  c ip addr add 198.51.100.1/24 dev nwt0; c ip -6 addr add 2001:db8:99::1/64 dev nwt0 nodad
  c ip link set nwt0 up; s ip link set nwt1 up
  s sysctl -qw net.ipv4.ip_forward=0
}

threats_bg() {
  ip netns exec "$@" &
  last_pid=$!
  pids+=("$last_pid")
}

wait_listening() {
  local i
  for i in $(seq 50); do
    ip netns exec "$1" ss -Hlnt "sport = :$2" | grep -q . && return 0
    sleep 0.1
  done
  fail "nothing listens on port $2 in $1"
}

# Feeds are https only: a self-signed certificate for the lab feed server's address (its own CA:
# the policy names it with `ca_file`). Sets $tls_cert and $tls_key.
threats_tls() {
  tls_cert="$work/feed-server.crt"; tls_key="$work/feed-server.key"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=${1:-198.51.100.4}" -addext "subjectAltName=IP:${1:-198.51.100.4}" \
    -keyout "$tls_key" -out "$tls_cert" 2>/dev/null || fail "cannot make the feed server's certificate"
}

bracket() { if [[ $1 == *:* ]]; then echo "[$1]"; else echo "$1"; fi; }
tcp_ok() { c timeout 3 socat -u - "TCP:$(bracket "$1"):7777,connect-timeout=2" <<<x >/dev/null 2>&1; }
udp_ok() { [[ $(echo ping | c timeout 2 socat -T1 - "UDP:$(bracket "$1"):7777" 2>/dev/null) == ping ]]; }
icmp_ok() { if [[ $1 == *:* ]]; then c ping -6 -c1 -W1 "$1" >/dev/null 2>&1; else c ping -c1 -W1 "$1" >/dev/null 2>&1; fi; }
reachable() { tcp_ok "$1" && udp_ok "$1" && icmp_ok "$1"; }
refused() { ! tcp_ok "$1" && ! udp_ok "$1" && ! icmp_ok "$1"; }
# Refused by a TCP reset (a block feed's reject), not lost in a timeout.
tcp_reset() { [[ $(c timeout 3 socat -u - "TCP:$(bracket "$1"):7777,connect-timeout=2" <<<x 2>&1) == *"Connection refused"* ]]; }

# ---- inspection lab (inspect_test.sh, inspect_agent_test.sh) ---------------------------------
# Needs tests/lab/lib.sh sourced and lab_init run. Namespaces: `lap` (the client, uplink nwt0
# 198.51.100.1 + 2001:db8:100::1), `web` (the real servers 198.51.100.2, .3 and .5 and
# 2001:db8:100::2, ::3 and ::5 behind lap's uplink) and `gw` (the inspection service, reached only
# through a WireGuard tunnel: wireguard-go, lap's end wg-inspect 10.97.0.1 + fd00:97::1, gw's end
# 10.97.0.2 + fd00:97::2, over the IPv4-only underlay veth insp0 10.98.0.1/30 - insp1
# 10.98.0.2:51820). Both answer HTTP on port 80, IPv4 and IPv6: web with "real-server", gw for any
# 198.51.100.0/24 or 2001:db8:100::/64 address (AnyIP) with "BLOCK-PAGE for <address> from-<source
# it saw>".
#
#   inspect_lab_build       # namespaces and links
#   inspect_tunnel_up       # wireguard-go at both ends, wg-inspect configured and up
#   inspect_servers_up      # both HTTP servers, returns once they listen

INSPECT_BLOCK_PAGE="BLOCK-PAGE for 198.51.100.3 from-10.97.0.1"
INSPECT_BLOCK_PAGE6="BLOCK-PAGE for 2001:db8:100::3 from-fd00:97::1"

inspect_lab_build() {
  local n
  for n in lap web gw; do _lab_new_ns "$n"; done
  _lab_link lap nwt0 198.51.100.1/24,2001:db8:100::1/64 web nwt1 \
    198.51.100.2/24,198.51.100.3/24,198.51.100.5/24,2001:db8:100::2/64,2001:db8:100::3/64,2001:db8:100::5/64
  _lab_link lap insp0 10.98.0.1/30 gw insp1 10.98.0.2/30
}

# wireguard-go names its control socket after the interface and every namespace shares
# /var/run/wireguard/, so lap's end starts as the lab's unique wgl<ID> and is renamed to the
# policy's wg-inspect once configured (two runs at once never clash). wireguard-go keeps the old
# name for MTU queries and logs one harmless error about it on the rename.
inspect_tunnel_up() {
  (umask 077 && wg genkey >"$LAB_DIR/gw.key" && wg genkey >"$LAB_DIR/lap.key")
  _lab_wg_start gw "$LAB_WG_GW"
  lab_ns gw wg set "$LAB_WG_GW" private-key "$LAB_DIR/gw.key" listen-port 51820 \
    peer "$(wg pubkey <"$LAB_DIR/lap.key")" allowed-ips 10.97.0.1/32,fd00:97::1/128
  lab_ns gw ip addr add 10.97.0.2/24 dev "$LAB_WG_GW"
  lab_ns gw ip addr add fd00:97::2/64 dev "$LAB_WG_GW" nodad
  lab_ns gw ip link set "$LAB_WG_GW" up
  # The inspection service answers for any destination it is handed.
  lab_ns gw ip route add local 198.51.100.0/24 dev lo
  lab_ns gw ip -6 route add local 2001:db8:100::/64 dev lo
  _lab_wg_start lap "$LAB_WG_LAP"
  lab_ns lap wg set "$LAB_WG_LAP" private-key "$LAB_DIR/lap.key" \
    peer "$(wg pubkey <"$LAB_DIR/gw.key")" endpoint 10.98.0.2:51820 allowed-ips 0.0.0.0/0,::/0
  lab_ns lap ip link set "$LAB_WG_LAP" name wg-inspect
  lab_ns lap ip addr add 10.97.0.1/32 dev wg-inspect
  lab_ns lap ip addr add fd00:97::1/128 dev wg-inspect nodad
  lab_ns lap ip link set wg-inspect up
}

inspect_servers_up() {
  local answer=$LAB_SRC_DIR/tests/threats/http_answer.py
  lab_daemon http-web web /usr/bin/python3 "$answer" :: 80 "real-server"
  lab_daemon http-gw gw /usr/bin/python3 "$answer" :: 80 "BLOCK-PAGE for {host} from-{peer}"
  lab_wait 10 _lab_listening web tcp 80 || fail "web server did not start"
  lab_wait 10 _lab_listening gw tcp 80 || fail "inspection server did not start"
}

# inspect_captures_clean ADDRESS...: stops the `underlay` and `uplink` captures and fails unless
# the underlay carried WireGuard and nothing else, and the uplink nothing to or from any ADDRESS.
inspect_captures_clean() {
  local wg_packets clear_underlay clear_uplink address hosts="" other
  for address in "$@"; do hosts+="${hosts:+ or }host $address"; done
  # The kernel's own link-local IPv6 chatter (router solicitations, MLD, from fe80:: or ::) is
  # not a flow; any other IPv6 on the IPv4-only underlay would be a leak, so it counts.
  other="not udp port 51820 and not arp and not (ip6 and (src net fe80::/10 or src host ::))"
  lab_capture_stop underlay
  lab_capture_stop uplink
  wg_packets=$(lab_capture_count underlay "udp port 51820")
  clear_underlay=$(lab_capture_count underlay "$other")
  clear_uplink=$(lab_capture_count uplink "$hosts")
  echo "captures: underlay $wg_packets WireGuard packets, $clear_underlay other; uplink $clear_uplink to $*"
  ((wg_packets > 0)) || fail "no WireGuard packets on the underlay"
  ((clear_underlay == 0)) || fail "not only WireGuard on the underlay: $(lab_capture_read underlay "$other" | head -5)"
  ((clear_uplink == 0)) || fail "inspected flow on the normal uplink: $(lab_capture_read uplink "$hosts" | head -5)"
}
