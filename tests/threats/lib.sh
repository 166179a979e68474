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
#   tcp_ok / udp_ok / icmp_ok / reachable / refused / tcp_reset ADDRESS

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

bracket() { if [[ $1 == *:* ]]; then echo "[$1]"; else echo "$1"; fi; }
tcp_ok() { c timeout 3 socat -u - "TCP:$(bracket "$1"):7777,connect-timeout=2" <<<x >/dev/null 2>&1; }
udp_ok() { [[ $(echo ping | c timeout 2 socat -T1 - "UDP:$(bracket "$1"):7777" 2>/dev/null) == ping ]]; }
icmp_ok() { if [[ $1 == *:* ]]; then c ping -6 -c1 -W1 "$1" >/dev/null 2>&1; else c ping -c1 -W1 "$1" >/dev/null 2>&1; fi; }
reachable() { tcp_ok "$1" && udp_ok "$1" && icmp_ok "$1"; }
refused() { ! tcp_ok "$1" && ! udp_ok "$1" && ! icmp_ok "$1"; }
# Refused by a TCP reset (a block feed's reject), not lost in a timeout.
tcp_reset() { [[ $(c timeout 3 socat -u - "TCP:$(bracket "$1"):7777,connect-timeout=2" <<<x 2>&1) == *"Connection refused"* ]]; }
