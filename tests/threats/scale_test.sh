#!/usr/bin/env bash
# Real kernel, a client/server namespace pair (tests/threats/lib.sh): a feed of 1 M entries
# (500 k single IPv4 addresses, 500 k IPv4 /30 prefixes) plus 100 IPv6 ones, served over HTTP by
# the lab feed server, loaded by `netwarden threats apply`. Proves, at that scale: a listed
# host, an address inside a listed prefix (first and last of each kind, IPv4 and IPv6) are
# refused over TCP with a reset, their unlisted neighbours answer; after `threats flush` with the
# feed server gone, `threats apply --offline` enforces the same from the disk copy; so does the
# agent restarted after a "reboot" (table gone, link down), before it reads the network. Timings.
set -euo pipefail
binary=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
python=/usr/bin/python3
source "$here/lib.sh"
t0=$(date +%s.%N)
stamp() { printf '%-44s %6.2f s\n' "$1" "$(echo "$(date +%s.%N) - $2" | bc)"; }

threats_pair nws
s ip addr add 198.51.100.2/24 dev nwt1; s ip addr add 198.51.100.4/24 dev nwt1
s ip -6 addr add 2001:db8:99::2/64 dev nwt1 nodad; s ip -6 addr add 2001:db8:99::3/64 dev nwt1 nodad
# The server answers for every address of the listed ranges and their neighbours (AnyIP).
s ip route add local 11.0.0.0/8 dev lo; s ip route add local 12.0.0.0/8 dev lo
s ip -6 route add local 2001:db8:6::/47 dev lo
c ip route add 11.0.0.0/8 via 198.51.100.2; c ip route add 12.0.0.0/8 via 198.51.100.2
c ip -6 route add 2001:db8:6::/47 via 2001:db8:99::2
threats_bg "$server" socat TCP6-LISTEN:7777,fork,reuseaddr,ipv6only=0 EXEC:cat >/dev/null 2>&1

# The synthetic feed of tests/threats/big_feed.py (as the benches): nothing merges, so the kernel
# gets exactly these entries. The sample printed: listed and unlisted addresses, first and last of
# each kind.
mkdir -p "$work/www"
read -r -a sample < <("$python" - "$work/www/feed.txt" "$here" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from big_feed import hosts, nets, v4, write
half = 500000
hosts, nets = hosts(half), nets(half)
six = ["2001:db8:99::2", "2001:db8:6::/64"] + [f"2001:db8:7::{i:x}" for i in range(1, 99)]
write(sys.argv[1], hosts + nets + six)
last_host, last_net = 0x0b000000 + 2 * (half - 1), 0x0c000000 + 8 * (half - 1)
listed = [hosts[1], hosts[-1], v4(0x0c000001), v4(last_net + 2), "2001:db8:99::2", "2001:db8:6::7",
          "2001:db8:7::62"]
unlisted = [v4(0x0b000003), v4(last_host + 1), v4(0x0c000005), v4(last_net + 4), "2001:db8:99::3",
            "2001:db8:7::63"]
print(" ".join(listed), "|", " ".join(unlisted))
PY
)
listed=() unlisted=() side=listed
for a in "${sample[@]}"; do
  if [[ $a == "|" ]]; then side=unlisted; elif [[ $side == listed ]]; then listed+=("$a"); else unlisted+=("$a"); fi
done
threats_tls
threats_bg "$server" "$python" "$here/feed_server.py" "$work/www" 198.51.100.4 8000 "$tls_cert" "$tls_key" >"$work/server.log" 2>&1
feed_pid=$last_pid
wait_listening "$server" 7777
wait_listening "$server" 8000
stamp "namespaces, listeners, 1 M-entry feed" "$t0"

check() { # LABEL: every listed sample reset, every unlisted one answers
  local a t
  t=$(date +%s.%N)
  for a in "${listed[@]}"; do tcp_reset "$a" || fail "$1: listed $a not refused"; done
  for a in "${unlisted[@]}"; do tcp_ok "$a" || fail "$1: unlisted $a not reachable"; done
  stamp "$1: ${#listed[@]} listed refused, ${#unlisted[@]} unlisted answer" "$t"
}
for a in "${listed[@]}" "${unlisted[@]}"; do tcp_ok "$a" || fail "$a not reachable before any feed"; done

cat >"$work/policy.yaml" <<YAML
version: 1
vpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]}
threat_feeds:
  - {name: big, url: "https://198.51.100.4:8000/feed.txt", ca_file: "$tls_cert", format: plain, action: block}
YAML
cache=$work/cache
t=$(date +%s.%N)
out=$(c "$binary" threats apply "$work/policy.yaml" --cache "$cache") || fail "apply: $out"
stamp "threats apply (download + full load)" "$t"
echo "$out"
[[ $out == *"big (block): 1000100 entries"*"(full load)"* ]] || fail "not all entries loaded: $out"
check "after apply"

t=$(date +%s.%N)
c "$binary" threats flush --cache "$cache" >/dev/null
stamp "threats flush" "$t"
for a in "${listed[@]}"; do tcp_ok "$a" || fail "flush: $a still refused"; done
kill "$feed_pid"
wait "$feed_pid" 2>/dev/null || true
! c curl -s -m 2 -o /dev/null --cacert "$tls_cert" https://198.51.100.4:8000/feed.txt || fail "the feed server still answers"
t=$(date +%s.%N)
out=$(c "$binary" threats apply "$work/policy.yaml" --cache "$cache" --offline) || fail "offline: $out"
stamp "threats apply --offline (from the disk copy)" "$t"
echo "$out"
[[ $out == *"big (block): 1000100 entries"*"(full load)"* ]] || fail "offline load: $out"
check "after offline apply"

# The agent after a reboot: table gone, link down, no feed server. It must put the 1 M entries in
# the kernel from the disk copy before it opens its control socket (that is, before it reads the
# network). The policy's breakout covers the lab ranges, so what is refused is refused by the feed.
c "$binary" threats flush --cache "$cache" >/dev/null
c ip link set nwt0 down
cat >"$work/agent.yaml" <<YAML
version: 1
vpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]}
exceptions:
  breakout: [{cidr: 198.51.100.0/24}, {cidr: 11.0.0.0/8}, {cidr: 12.0.0.0/8}, {cidr: "2001:db8:99::/64"}, {cidr: "2001:db8:6::/47"}]
threat_feeds:
  - {name: big, url: "https://198.51.100.4:8000/feed.txt", ca_file: "$tls_cert", format: plain, action: block}
YAML
: >"$work/resolv.conf"
t=$(date +%s.%N)
threats_bg "$client" "$binary" agent --policy "$work/agent.yaml" --control "$work/agent.sock" \
  --events "$work/events.jsonl" --state "$work/state.json" --resolv-conf "$work/resolv.conf" \
  --threat-cache "$cache" --no-syslog >"$work/agent.log" 2>&1
agent_pid=$last_pid
for _ in $(seq 300); do [[ -S $work/agent.sock ]] && break; sleep 0.1; done
[[ -S $work/agent.sock ]] || { cat "$work/agent.log"; fail "agent did not start"; }
stamp "agent start to control socket (1 M from disk)" "$t"
status=$(c "$binary" status --control "$work/agent.sock" --json)
[[ $(jq -r '.threats.feeds[0].entries' <<<"$status") == 1000100 ]] || fail "agent status: $status"
echo "agent RSS with the 1 M-entry list: $(awk '/VmRSS/ {print int($2 / 1024) " MB"}' "/proc/$agent_pid/status")"
c ip link set nwt0 up
c ip -6 addr replace 2001:db8:99::1/64 dev nwt0 nodad  # IPv6 addresses go with the link
c ip route replace 11.0.0.0/8 via 198.51.100.2; c ip route replace 12.0.0.0/8 via 198.51.100.2
c ip -6 route replace 2001:db8:6::/47 via 2001:db8:99::2
check "after agent restart"
t=$(date +%s.%N)
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
stamp "agent stopped" "$t"
# The forced-VPN table's situation updates must not pay for the million elements of the other
# table (nftables 1.0 reads every set element before an `add element`: that was 20+ s here).
# The agent's table expires trust and portal elements in the kernel (a structure of its own): the
# first CLI apply replaces it, the second one has the same structure and is a set update.
c "$binary" apply "$work/agent.yaml" >/dev/null
t=$(date +%s.%N)
out=$(c "$binary" apply "$work/agent.yaml")  # same structure as before: a set update
update_ms=$(echo "($(date +%s.%N) - $t) * 1000 / 1" | bc)
[[ $out == "updated sets of table"* ]] || fail "expected a set update: $out"
echo "forced-VPN set update next to 1 M threat elements: $update_ms ms"
((update_ms < 10000)) || fail "a set update of the forced-VPN table took $update_ms ms"
c "$binary" flush --pin "$work/pins" --threat-cache "$work/cache" >/dev/null
t=$(date +%s.%N)
c "$binary" threats flush --cache "$cache" >/dev/null
stamp "threats flush" "$t"
stamp "total" "$t0"
echo "PASS threats scale"
