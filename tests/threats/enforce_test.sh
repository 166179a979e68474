#!/usr/bin/env bash
# Real kernel, two namespaces of the test's own joined by a veth pair: "client" runs netwarden
# threats, "server" holds listed and unlisted addresses, listeners and a tiny HTTPS feed server with ETags (feed_server.py).
# Proves: listed addresses/prefixes refused (TCP, UDP, ICMP, IPv4 and IPv6) and logged with the
# feed name; unlisted neighbours work; a log feed allows and logs; a dropped feed's sets go; feed updates are enforced and released; a 304 changes
# nothing; HTML, garbage and a 90 % shrink are refused with the old list in force; flush.
set -euo pipefail
binary=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
python=/usr/bin/python3
source "$here/lib.sh"

threats_pair nwt
s ip addr add 198.51.100.2/24 dev nwt1; s ip addr add 198.51.100.3/24 dev nwt1
s ip addr add 198.51.100.4/24 dev nwt1; s ip addr add 198.51.100.5/24 dev nwt1; s ip addr add 203.0.113.7/32 dev lo
s ip -6 addr add 2001:db8:99::2/64 dev nwt1 nodad; s ip -6 addr add 2001:db8:99::3/64 dev nwt1 nodad
s ip -6 addr add 2001:db8:5::7/128 dev lo
c ip route add 203.0.113.0/24 via 198.51.100.2; c ip -6 route add 2001:db8:5::/64 via 2001:db8:99::2

# Listeners: TCP and UDP echo on 7777 (both families), the feed over HTTPS on 8000 (server).
threats_bg "$server" socat TCP6-LISTEN:7777,fork,reuseaddr,ipv6only=0 EXEC:cat >/dev/null 2>&1
# UDP listeners per address, so each reply leaves from the address that was asked.
for address in 198.51.100.2 198.51.100.3 198.51.100.5 203.0.113.7; do
  threats_bg "$server" socat "UDP4-RECVFROM:7777,bind=$address,fork,reuseaddr" EXEC:cat >/dev/null 2>&1
done
for address in 2001:db8:99::2 2001:db8:99::3 2001:db8:5::7; do
  threats_bg "$server" socat "UDP6-RECVFROM:7777,bind=[$address],fork,reuseaddr" EXEC:cat >/dev/null 2>&1
done
mkdir -p "$work/www"
threats_tls
threats_bg "$server" "$python" "$here/feed_server.py" "$work/www" 198.51.100.4 8000 "$tls_cert" "$tls_key" >"$work/server.log" 2>&1
threats_bg "$client" tcpdump -i nflog:6575 -w "$work/log.pcap" -U >/dev/null 2>&1
sleep 1

for address in 198.51.100.2 198.51.100.3 203.0.113.7 2001:db8:99::2 2001:db8:99::3 2001:db8:5::7; do
  reachable "$address" || fail "$address not reachable before any feed"
done

cache="$work/cache"
cat > "$work/policy.yaml" <<YAML
version: 1
vpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]}
threat_feeds:
  - name: lab
    url: https://198.51.100.4:8000/feed.txt
    ca_file: $tls_cert
    format: auto
    action: block
YAML
filler() { for i in $(seq 1 "$1"); do echo "198.18.$((i / 250)).$((i % 250 + 1))"; done; }
{ echo "# lab feed"; echo 10.0.0.0/8; echo 127.0.0.0/8; echo 198.51.100.2; echo 203.0.113.0/24; echo 2001:db8:99::2; echo 2001:db8:5::/64; filler 100; } > "$work/www/feed.txt"

out=$(c "$binary" threats apply "$work/policy.yaml" --cache "$cache") || fail "apply: $out"
echo "$out"
[[ $out == *"lab (block): 104 entries"*"loaded"* ]] || fail "first load: $out"
[[ $out == *"(full load)"* ]] || fail "first load not a full load: $out"
[[ $out == *"(2 entries kept off private/loopback/multicast ranges and the policy's endpoints)"* ]] || fail "private ranges: $out"
c ping -c1 -W1 127.0.0.1 >/dev/null || fail "a feed listing 127.0.0.0/8 cut off loopback"
[[ -z $(nft list tables) ]] || fail "the host's own ruleset was touched"
for address in 198.51.100.2 203.0.113.7 2001:db8:99::2 2001:db8:5::7; do
  refused "$address" || fail "$address (listed) still reachable"
done
for address in 198.51.100.3 2001:db8:99::3; do reachable "$address" || fail "unlisted $address blocked"; done
sleep 1
grep -qa "nwthreat block lab" "$work/log.pcap" || fail "no NFLOG event carrying the feed name"

out=$(c "$binary" threats explain --dst 203.0.113.7 --cache "$cache")
[[ $out == *"listed by feed lab as 203.0.113.0/24 (enforced)"* ]] || fail "explain prefix: $out"
out=$(c "$binary" threats explain --dst 198.51.100.3 --cache "$cache")
[[ $out == *"listed by no feed"* ]] || fail "explain unlisted: $out"

# A second feed with action log: its address still works, each new connection is logged with
# the feed name. Dropping it from the policy deletes its sets.
echo 198.51.100.5 > "$work/watch.txt"
cp "$work/policy.yaml" "$work/two.yaml"
printf '  - {name: watch, url: "file://%s/watch.txt", action: log}\n' "$work" >> "$work/two.yaml"
out=$(c "$binary" threats apply "$work/two.yaml" --cache "$cache") || fail "two feeds: $out"
[[ $out == *"watch (log): 1 entries, +1 -0"* ]] || fail "log feed not loaded: $out"
reachable 198.51.100.5 || fail "a log-only address was blocked"
sleep 1
grep -qa "nwthreat log watch" "$work/log.pcap" || fail "no NFLOG event for the log feed"
# The log rule limits its own NFLOG rate in the kernel (issue 14 item 7), the verdict stays.
[[ $(c nft list chain inet netwarden_threats a_watch) == *"ct state new limit rate 20/second burst 50 packets log prefix"* ]] ||
  fail "the log feed's NFLOG is not rate-limited: $(c nft list chain inet netwarden_threats a_watch)"
out=$(c "$binary" threats explain --dst 198.51.100.5 --cache "$cache")
[[ $out == *"listed by feed watch as 198.51.100.5 (enforced)"* ]] || fail "explain log feed: $out"

# Unchanged file: the server answers 304 to If-Modified-Since; nothing changes.
out=$(c "$binary" threats apply "$work/policy.yaml" --cache "$cache") || fail "304 apply: $out"
[[ $out == *"+0 -0"*"not modified"* ]] || fail "no 304: $out"
grep -q 'if-none-match="[0-9a-f]*" -> 304' "$work/server.log" || fail "no conditional request: $(cat "$work/server.log")"
[[ $(c nft list chain inet netwarden_threats output) != *watch* ]] || fail "stale feed still in the rules"
[[ $(c nft -t list sets inet) != *f_watch* ]] || fail "stale feed's sets not deleted"

# Update: 198.51.100.2 released, 198.51.100.3 and 2001:db8:99::3 listed, 2001:db8:99::2 kept.
sleep 1.1
{ echo 198.51.100.3; echo 203.0.113.0/24; echo 2001:db8:99::2; echo 2001:db8:99::3; echo 2001:db8:5::/64; filler 100; } > "$work/www/feed.txt"
out=$(c "$binary" threats apply "$work/policy.yaml" --cache "$cache") || fail "update: $out"
[[ $out == *"+2 -1"*"(diff)"* ]] || fail "update not a diff of +2 -1: $out"
reachable 198.51.100.2 || fail "removed entry 198.51.100.2 still blocked"
refused 198.51.100.3 || fail "new entry 198.51.100.3 not blocked"
refused 2001:db8:99::3 || fail "new entry 2001:db8:99::3 not blocked"
refused 203.0.113.7 || fail "prefix lost during update"

# Bad feeds: each refused, the old list stays in force.
check_refused() {
  local what=$1
  sleep 1.1
  local out rc=0
  out=$(c "$binary" threats apply "$work/policy.yaml" --cache "$cache") || rc=$?
  [[ $rc == 3 && $out == *"refused"*"last good list kept"* ]] || fail "$what accepted (rc $rc): $out"
  refused 198.51.100.3 || fail "$what: old list no longer enforced"
  reachable 198.51.100.2 || fail "$what: released entry came back"
}
printf '<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1></body></html>\n' > "$work/www/feed.txt"
check_refused "an HTML page"
{ for i in $(seq 1 50); do echo "garbage line $i"; done; echo 198.51.100.3; } > "$work/www/feed.txt"
check_refused "garbage"
{ echo 198.51.100.3; for i in $(seq 1 9); do echo "198.18.0.$i"; done; } > "$work/www/feed.txt"
check_refused "a 90% shrink"
rm "$work/www/feed.txt"
out=$(c "$binary" threats apply "$work/policy.yaml" --cache "$cache") && fail "404 accepted: $out"
[[ $out == *"failed: "*"404"*"last good list kept"* ]] || fail "404 not reported: $out"
refused 198.51.100.3 || fail "a failed download dropped the list"

# https only (issue 14 item 14): a plain-http feed is refused by the policy; a redirect from the
# https feed to http is not followed (the old list stays).
sed 's|url: https://|url: http://|' "$work/policy.yaml" > "$work/plain.yaml"
rc=0; out=$(c "$binary" threats apply "$work/plain.yaml" --cache "$cache" 2>&1) || rc=$?
[[ $rc == 2 && $out == *"https://"* ]] || fail "a plain http feed accepted (rc $rc): $out"
sed 's|198.51.100.4:8000/feed.txt|198.51.100.4:8000/to-http/feed.txt|' "$work/policy.yaml" > "$work/downgrade.yaml"
out=$(c "$binary" threats apply "$work/downgrade.yaml" --cache "$cache") && fail "https->http redirect followed: $out"
[[ $out == *"failed: "*"last good list kept"* ]] || fail "downgrade not refused: $out"
grep -q "GET /to-http/feed.txt -> 302" "$work/server.log" || fail "the redirect was not even asked for"
refused 198.51.100.3 || fail "a refused redirect dropped the list"
# The cache holds the feed URLs (API keys): private.
[[ $(stat -c %a "$cache") == 700 && $(stat -c %a "$cache/lab.meta") == 600 ]] ||
  fail "cache not private: $(stat -c '%a %n' "$cache" "$cache"/*)"

# A truncated download (the server closes before Content-Length) is a failure, not a short list.
printf 'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n198.51.100.9\n' > "$work/truncated.http"
threats_bg "$server" socat "OPENSSL-LISTEN:8001,bind=198.51.100.4,reuseaddr,cert=$tls_cert,key=$tls_key,verify=0" "SYSTEM:cat $work/truncated.http" >/dev/null 2>&1
sleep 0.5
sed 's|198.51.100.4:8000/feed.txt|198.51.100.4:8001/feed.txt|' "$work/policy.yaml" > "$work/truncated.yaml"
out=$(c "$binary" threats apply "$work/truncated.yaml" --cache "$cache") && fail "truncated accepted: $out"
[[ $out == *"failed: "*"last good list kept"* ]] || fail "truncated download not refused: $out"
refused 198.51.100.3 || fail "a truncated download dropped the list"

# Offline start from the last good copy after the table disappeared (reboot).
c "$binary" threats flush --cache "$cache" >/dev/null
reachable 198.51.100.3 || fail "flush left rules"
out=$(c "$binary" threats apply "$work/policy.yaml" --cache "$cache" --offline) || fail "offline: $out"
[[ $out == *"(full load)"* ]] || fail "offline load: $out"
refused 198.51.100.3 || fail "last good copy not enforced offline"
out=$(c "$binary" threats status --cache "$cache")
[[ $out == *"table inet netwarden_threats: loaded"*"lab: 105 entries"* ]] || fail "status: $out"
c "$binary" threats flush --cache "$cache" >/dev/null
[[ -z $(c nft list tables) ]] || fail "flush left a table"
echo "PASS threats enforcement"
