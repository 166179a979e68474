#!/usr/bin/env bash
# The agent and its threat feeds, real kernel, in a client/server namespace pair of the test's own
# (tests/threats/lib.sh) with the lab HTTP feed server. Proves: the agent downloads a feed it has
# no copy of and enforces it; block events carry the feed and the covering entry; `netwarden
# status` shows size, age and result per feed; `explain --dst` (agent and offline) names feed and
# entry; block events name the sending program while its socket lives; a refresh is a diff
# (added enforced, removed released); an HTML page is refused with the
# old list in force; after kill -9 and the table gone (a reboot), a restarted agent enforces the
# disk copy before the network is up and its failed download is retried on schedule.
set -euo pipefail
binary=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
python=/usr/bin/python3
source "$here/lib.sh"

threats_pair nwta
s ip addr add 198.51.100.2/24 dev nwt1; s ip addr add 198.51.100.3/24 dev nwt1
s ip addr add 198.51.100.4/24 dev nwt1
s ip addr add 203.0.113.5/32 dev lo; s ip addr add 203.0.113.6/32 dev lo; s ip addr add 203.0.113.9/32 dev lo
c ip route add 203.0.113.0/24 via 198.51.100.2
c ip route add 192.0.2.0/24 via 198.51.100.2  # the VPN gateway's range: not breakout
threats_bg "$server" socat TCP6-LISTEN:7777,fork,reuseaddr,ipv6only=0 EXEC:cat >/dev/null 2>&1
mkdir -p "$work/www"
threats_tls
wait_for() {  # SECONDS DESCRIPTION COMMAND...: polls every 0.2 s
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@"; do
    ((SECONDS < deadline)) || { cat "$events" "$work/agent.log" >&2 || true; fail "timed out: $what"; }
    sleep 0.2
  done
}
start_feed_server() {
  threats_bg "$server" "$python" "$here/feed_server.py" "$work/www" 198.51.100.4 8000 "$tls_cert" "$tls_key" >>"$work/server.log" 2>&1
  feed_pid=$last_pid
}
start_feed_server
wait_listening "$server" 8000

# Forced VPN with the lab's addresses as local breakout, so what is refused is refused by a feed.
cat > "$work/policy.yaml" <<YAML
version: 1
vpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]}
exceptions:
  breakout: [{cidr: 198.51.100.0/24}, {cidr: 203.0.113.0/24}]
threat_feeds:
  - {name: lab, url: "https://198.51.100.4:8000/feed.txt", ca_file: "$tls_cert", refresh: 2m, action: block}
  - {name: watch, url: "file://$work/watch.txt", refresh: 2m, action: log}
YAML
echo 203.0.113.9 > "$work/watch.txt"
printf '# lab\n198.51.100.3\n203.0.113.4/30\n' > "$work/www/feed.txt"
: > "$work/resolv.conf"
sock="$work/agent.sock"; events="$work/events.jsonl"; cache="$work/cache"
agent_pid=
start_agent() {
  threats_bg "$client" "$binary" agent --policy "$work/policy.yaml" --control "$sock" \
    --events "$events" --state "$work/state.json" --resolv-conf "$work/resolv.conf" \
    --threat-cache "$cache" --no-syslog >>"$work/agent.log" 2>&1
  agent_pid=$last_pid
}
# event_seen JQ_CONDITION: some event in the agent's stream satisfies it.
event_seen() { [[ -n $(jq -c "select($1)" "$events" 2>/dev/null) ]]; }
nw() { c "$binary" "$@"; }
fail_events() { cat "$events" >&2; fail "$@"; }

# 1. No copy yet: the agent downloads the feed and enforces it.
start_agent
wait_for 30 "first download" event_seen '.event == "threat-feed" and .result == "loaded"'
tcp_reset 198.51.100.3 || fail "listed address not refused by a reset"
tcp_reset 203.0.113.5 || fail "address inside a listed /30 not refused"
tcp_ok 198.51.100.2 || fail "unlisted neighbour blocked"
tcp_ok 203.0.113.9 || fail "address next to the listed /30 (on the log feed) blocked"
# `log`: allowed, one event per connection (its first packet), however many packets it has.
seq 1 2000 | c timeout 5 socat -u - TCP:203.0.113.9:7777 || fail "log feed: connection failed"
wait_for 10 "log event" event_seen '.event == "threat" and .action == "log" and .feed == "watch" and .entry == "203.0.113.9"'
logged=$(jq -c 'select(.event == "threat" and .feed == "watch")' "$events" | wc -l)
((logged == 2)) || fail_events "log feed: $logged events for 2 connections"
wait_for 10 "block event with feed and entry" \
  event_seen '.event == "threat" and .action == "block" and .feed == "lab" and .destination == "203.0.113.5" and .entry == "203.0.113.4/30"'
# The sending program is named while its socket lives (a UDP sender that keeps its socket), for a
# feed's block and for the forced-VPN rules' own (192.0.2.99 is neither breakout nor gateway).
sender='import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(8):
    for target in sys.argv[1:]:
        try:
            s.sendto(b"x", (target, 7777))
        except OSError:
            pass
    time.sleep(0.2)'
c setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 -c "$sender" 198.51.100.3 192.0.2.99
wait_for 10 "threat event naming the program" \
  event_seen '.event == "threat" and .protocol == "udp" and .destination == "198.51.100.3" and .uid == 65534 and (.program // "" | test("python"))'
wait_for 10 "blocked event naming the program" \
  event_seen '.event == "blocked" and .rule == "default-block" and .destination == "192.0.2.99" and (.program // "" | test("python"))'
status=$(nw status --control "$sock")
echo "$status" | grep threat
[[ $status == *"threat feed: lab (block): 2 entries, downloaded "*"s ago, checked "*"loaded"* ]] \
  || fail "status: $status"

# 2. Explain: the agent and the offline CLI name the feed and the entry.
answer=$(nw explain --control "$sock" --dst 203.0.113.6 --port 443)
[[ $answer == "reject threat-feed:lab: listed by threat feed 'lab' as 203.0.113.4/30"* ]] || fail "agent explain: $answer"
answer=$(nw explain --control "$sock" --dst 203.0.113.9 --port 443)
[[ $answer == allow* && $answer == *"listed by threat feed 'watch' as 203.0.113.9; logged"* ]] || fail "agent explain of a logged address: $answer"
answer=$(nw explain "$work/policy.yaml" --threat-cache "$cache" --dst 203.0.113.6 --port 443 --json)
[[ $(jq -r '.verdict + " " + .threat.feed + " " + .threat.entry' <<<"$answer") == "reject lab 203.0.113.4/30" ]] \
  || fail "offline explain: $answer"

# 3. The list changes: one diffed transaction, new entries enforced, removed ones released.
printf '198.51.100.2\n203.0.113.4/30\n' > "$work/www/feed.txt"
out=$(nw threats refresh --control "$sock") || fail "refresh: $out"
echo "$out"
[[ $out == *"lab (block): 2 entries"*"loaded"* ]] || fail "refresh result: $out"
event_seen '.event == "threat-feed" and .added == 1 and .removed == 1 and .result == "loaded"' || fail_events "no diff event (+1 -1)"
tcp_reset 198.51.100.2 || fail "added entry not enforced"
tcp_ok 198.51.100.3 || fail "removed entry still refused"
out=$(nw threats refresh --control "$sock") || fail "second refresh: $out"
[[ $out == *"not modified"* ]] || fail "unchanged feed not answered by 304: $out"

# 4. An HTML error page is refused; the old list stays in force.
printf '<html><body>502 Bad Gateway</body></html>\n' > "$work/www/feed.txt"
out=$(nw threats refresh --control "$sock") && fail "an HTML page was accepted: $out"
[[ $out == *"refused"* ]] || fail "HTML page: $out"
event_seen '.event == "threat-feed" and .ok == false and (.result | startswith("refused"))' || fail_events "no refusal event"
tcp_reset 198.51.100.2 || fail "old list not in force after a refused update"

# 5. kill -9, the table gone (a reboot), network down, no feed server: the restarted agent puts
# the disk copy in the kernel before it reads the network, and retries the download on schedule.
kill -9 "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
c nft delete table inet netwarden_threats
c nft delete table inet netwarden 2>/dev/null || true
kill "$feed_pid"; wait "$feed_pid" 2>/dev/null || true
c ip link set nwt0 down
rm -f "$sock"
start_agent
wait_for 20 "agent restarted" test -S "$sock"
elements=$(c nft list set inet netwarden_threats f_lab_v4)
[[ $elements == *198.51.100.2* ]] || fail "disk copy not enforced before the network: $elements"
c ip link set nwt0 up
c ip route replace 203.0.113.0/24 via 198.51.100.2
tcp_reset 198.51.100.2 || fail "listed address reachable after the restart"
tcp_ok 198.51.100.3 || fail "unlisted address blocked after the restart"
wait_for 45 "failed download after restart" event_seen '.event == "threat-feed" and (.result // "" | startswith("failed"))'
printf '198.51.100.3\n' > "$work/www/feed.txt"
start_feed_server
# A failed download is retried after refresh/4 (2m/4 = 30 s): the scheduled retry takes the update.
wait_for 60 "scheduled retry" event_seen '.event == "threat-feed" and .added == 1 and .removed == 2 and .result == "loaded"'
tcp_reset 198.51.100.3 || fail "scheduled refresh not enforced"
tcp_ok 198.51.100.2 || fail "scheduled refresh did not release the old entry"
[[ $(nw status --control "$sock" --json | jq -r '.threats.feeds[0].result') == loaded ]] || fail "status after retry"

# 6. A reload without the log feed: its sets go, its address is no longer logged.
sed -i '/name: watch/d' "$work/policy.yaml"
nw reload --control "$sock" >/dev/null || fail "reload"
wait_for 20 "watch feed removed" bash -c "! ip netns exec $client nft list table inet netwarden_threats | grep -q f_watch"
[[ $(nw status --control "$sock" --json | jq '.threats.feeds | length') == 1 ]] || fail "status still lists the removed feed"

# 7. A feed that lists the policy's own VPN gateway (192.0.2.1) must not cut the VPN: the gateway
# is carved out of the feed and reported, its neighbours stay listed.
echo 192.0.2.0/24 > "$work/cloud.txt"
sed -i "s|^threat_feeds:|threat_feeds:\n  - {name: cloud, url: \"file://$work/cloud.txt\", action: block}|" "$work/policy.yaml"
nw reload --control "$sock" >/dev/null || fail "reload with the cloud feed"
wait_for 20 "cloud feed loaded" event_seen '.event == "threat-feed" and .feed == "cloud" and .result == "loaded"'
event_seen '.feed == "cloud" and .policy_endpoints_listed[0].endpoint == "192.0.2.1" and .policy_endpoints_listed[0].entry == "192.0.2.0/24"' \
  || fail_events "no event about the listed gateway"
answer=$(nw explain --control "$sock" --dst 192.0.2.1 --port 443 --json)
[[ $(jq -r '.rule' <<<"$answer") == gateway && $(jq -r '.threat // "none"' <<<"$answer") == none ]] \
  || fail "the gateway is judged by a feed: $answer"
answer=$(nw explain --control "$sock" --dst 192.0.2.9 --port 443 --json)
[[ $(jq -r '.threat.feed + " " + .threat.entry' <<<"$answer") == "cloud 192.0.2.8/29" ]] || fail "neighbour of the gateway: $answer"
echo "PASS threats agent"
