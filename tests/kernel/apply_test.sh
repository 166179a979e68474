#!/usr/bin/env bash
# Real kernel, one bare namespace of the test's own: apply installs and verifies; a second apply
# with another situation only updates sets; a bad policy installs block-all; other tables are never touched; flush removes only our table.
set -euo pipefail
binary=$(realpath "$1")
source_dir=${NETWARDEN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
ns="nwk-apply-$$"
work=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
in_ns() { ip netns exec "$ns" "$@"; }
# listing_has PATTERN COMMAND...: the command's output contains PATTERN (no SIGPIPE under pipefail).
listing_has() { local pattern=$1; shift; local out; out=$("$@"); [[ $out == *"$pattern"* ]]; }

ip netns add "$ns"
in_ns ip link set lo up
policy="$source_dir/examples/policy.yaml"
situation="$source_dir/examples/situation-home.yaml"

# Another tool's table, which we must never touch.
in_ns nft add table ip othertool
in_ns nft add chain ip othertool keep '{ type filter hook output priority 10; policy accept; }'

out=$(in_ns "$binary" apply "$policy")
[[ $out == "installed table inet netwarden:"* ]] || fail "first apply: $out"
structure=$(in_ns nft list table inet netwarden | grep -o 'structure=[0-9a-f]*')

out=$(in_ns "$binary" apply "$policy" --situation "$situation")
[[ $out == "updated sets of table inet netwarden:"* ]] || fail "situation change was not a set update: $out"
[[ $(in_ns nft list table inet netwarden | grep -o 'structure=[0-9a-f]*') == "$structure" ]] || fail "structure changed"
listing_has '198.51.100.2 . udp . 51820' in_ns nft list set inet netwarden gateways4 || fail "gateway set not updated"
listing_has '"wg0"' in_ns nft list set inet netwarden tunnel_ifaces || fail "tunnel set not updated"

# A refused policy is not applied: block-all replaces what was in force, exit 2 (issue 14 item 4;
# apply_blockall_test.sh shows it with traffic).
printf 'version: 1\nvpn:\n  gateways: 7\n' > "$work/bad.yaml"
rc=0; in_ns "$binary" apply "$work/bad.yaml" > "$work/out" 2> "$work/err" || rc=$?
((rc == 2)) || fail "a bad policy: exit $rc, want 2"
grep -q "bad.yaml:3:13: vpn.gateways must be a list" "$work/err" || fail "no file:line:col error: $(cat "$work/err")"
grep -q "(block-all)" "$work/out" || fail "a refused policy did not install block-all: $(cat "$work/out")"
if listing_has '198.51.100.2' in_ns nft list set inet netwarden gateways4; then fail "gateway left open"; fi
in_ns "$binary" apply "$policy" --situation "$situation" >/dev/null

# A different policy replaces the table (structure changed), still in one verified transaction.
printf 'version: 1\nvpn:\n' > "$work/minimal.yaml"
out=$(in_ns "$binary" apply "$work/minimal.yaml")
[[ $out == "installed table inet netwarden:"* ]] || fail "policy change was not a replacement: $out"
in_ns "$binary" apply "$policy" --situation "$situation" >/dev/null

# Counters exist on every rule and NFLOG is rate-limited.
listing_has 'limit rate 20/second' in_ns nft list chain inet netwarden reject_default_block || fail "no rate-limited log"
listing_has 'policy drop' in_ns nft list chain inet netwarden output || fail "output chain is not policy drop"

in_ns nft list table ip othertool >/dev/null || fail "another tool's table disappeared"

# DHCP requests only from the DHCP clients' users (the kernel takes the skuid match).
listing_has 'udp sport 68 udp dport 67 meta skuid 0 counter' in_ns nft list chain inet netwarden output ||
  fail "no uid-bound DHCP rule"

# Report mode: the kernel holds the same rules, blocking nothing; what they would block is logged.
printf 'version: 1\nvpn:\n  mode: report\n  tunnel_interfaces: ["wg*"]\n' > "$work/report.yaml"
out=$(in_ns "$binary" apply "$work/report.yaml") || fail "report-mode apply failed: $out"
[[ $out == "installed table inet netwarden:"* ]] || fail "report-mode apply: $out"
listing_has 'policy accept' in_ns nft list chain inet netwarden output || fail "report mode: output policy is not accept"
listing_has 'log prefix "netwarden would-block default-block " group 6574' \
  in_ns nft list chain inet netwarden would_block_default_block || fail "report mode: no would-block log"
if in_ns nft list table inet netwarden | grep -Eq 'reject|drop'; then
  fail "report mode: the table still rejects or drops: $(in_ns nft list table inet netwarden | grep -E 'reject|drop')"
fi
in_ns "$binary" apply "$policy" --situation "$situation" >/dev/null || fail "enforce re-apply failed"
listing_has 'policy drop' in_ns nft list chain inet netwarden output || fail "enforce mode did not come back"

# A policy without `vpn:` enforces no forced VPN: apply removes our table, and says so.
printf 'version: 1\napps:\n  rules: []\n' > "$work/apps-only.yaml"
out=$(in_ns "$binary" apply "$work/apps-only.yaml") || fail "apply of an apps-only policy failed: $out"
[[ $out == "no 'vpn' section: removed table inet netwarden"* ]] || fail "apps-only apply: $out"
if in_ns nft list table inet netwarden >/dev/null 2>&1; then fail "apps-only apply left our table"; fi
in_ns nft list table ip othertool >/dev/null || fail "apps-only apply removed another tool's table"
out=$(in_ns "$binary" apply "$work/apps-only.yaml") || fail "second apps-only apply failed: $out"
[[ $out == "no 'vpn' section: the forced VPN is not enforced"* ]] || fail "apps-only apply again: $out"
in_ns "$binary" apply "$policy" --situation "$situation" >/dev/null || fail "re-apply failed"

out=$(in_ns "$binary" flush --pin "$work/pins" --threat-cache "$work/threats")
[[ $out == "removed table inet netwarden"* ]] || fail "flush: $out"
if in_ns nft list table inet netwarden >/dev/null 2>&1; then fail "flush left our table"; fi
in_ns nft list table ip othertool >/dev/null || fail "flush removed another tool's table"
in_ns "$binary" flush --pin "$work/pins" --threat-cache "$work/threats" >/dev/null || fail "flush of nothing must succeed"
echo "apply_test: ok"
