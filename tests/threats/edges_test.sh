#!/usr/bin/env bash
# Real kernel, one bare namespace: interval-set edge cases through the netlink loader — a prefix
# starting at address 0, adjacent prefixes, IPv4 and IPv6 — loaded, then removed again by a diff,
# and the kernel listing matches each time. (The top of either address space is broadcast or
# multicast, which feeds may never block, so the open-ended interval is not reachable here.) The
# minimum prefix lengths are lowered for the short prefixes (240.0.0.0/5, 100::/8).
set -euo pipefail
binary=$(realpath "$1")
ns="nwt-edge-$$"
work=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
ip netns add "$ns"
set_of() { ip netns exec "$ns" nft list set inet netwarden_threats "$1" | tr -d ' \t\n'; }

printf '0.0.0.0/8\n100.0.0.0/24\n100.0.1.0/24\n240.0.0.0/5\n100::/8\n2001:db8:ff00::/40\n2001:db8::/127\n2001:db8::2/127\n' > "$work/f.txt"
printf 'version: 1\nvpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]}\nthreat_feeds:\n  - {name: e, url: "file://%s/f.txt", action: block, min_prefix_v4: 4, min_prefix_v6: 8}\n' "$work" > "$work/p.yaml"
ip netns exec "$ns" "$binary" threats apply "$work/p.yaml" --cache "$work/c" >/dev/null || fail "load"
[[ $(set_of f_e_v4n) == *"elements={0.0.0.0/8,100.0.0.0/24,100.0.1.0/24,240.0.0.0/5}"* ]] || fail "v4: $(set_of f_e_v4n)"
[[ $(set_of f_e_v6n) == *"elements={100::/8,2001:db8::/127,2001:db8::2/127,2001:db8:ff00::/40}"* ]] || fail "v6: $(set_of f_e_v6n)"

printf '0.0.0.0/8\n100.0.1.0/24\n100::/8\n2001:db8::2/127\n1.2.3.4\n' > "$work/f.txt"
out=$(ip netns exec "$ns" "$binary" threats apply "$work/p.yaml" --cache "$work/c" --max-shrink 0.9) || fail "diff: $out"
[[ $out == *"+1 -4"*"(diff)"* ]] || fail "not a diff: $out"
[[ $(set_of f_e_v4n) == *"elements={0.0.0.0/8,100.0.1.0/24}"* ]] || fail "v4 after diff: $(set_of f_e_v4n)"
[[ $(set_of f_e_v6n) == *"elements={100::/8,2001:db8::2/127}"* ]] || fail "v6 after diff: $(set_of f_e_v6n)"
[[ $(set_of f_e_v4) == *"elements={1.2.3.4}"* ]] || fail "hash set: $(set_of f_e_v4)"
echo "PASS threats interval edges"
