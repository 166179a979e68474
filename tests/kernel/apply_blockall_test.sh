#!/usr/bin/env bash
# Issue 14 item 4, real kernel, two namespaces of the test's own joined by a veth pair: `apply` of
# a refused or a missing policy installs block-all and exits 2 — traffic the previous policy let
# through stops, nothing is left open — and `flush` is still the way out.
set -euo pipefail
binary=$(realpath "$1")
a="nwk-ba-a-$$" b="nwk-ba-b-$$"
work=$(mktemp -d)
cleanup() { ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
in_a() { ip netns exec "$a" "$@"; }
reaches_b() { in_a ping -c1 -W1 10.99.0.2 >/dev/null 2>&1; }
apply_rc() { local rc=0; in_a "$binary" apply "$@" >"$work/out" 2>"$work/err" || rc=$?; echo "$rc"; }

ip netns add "$a"
ip netns add "$b"
ip -n "$a" link add eth0 type veth peer name eth0 netns "$b"
ip -n "$a" addr add 10.99.0.1/24 dev eth0
ip -n "$b" addr add 10.99.0.2/24 dev eth0
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; ip -n "$ns" link set eth0 up; done
reaches_b || fail "no path between the namespaces before any rule"

# A policy that lets the LAN through: the peer answers.
printf 'version: 1\nvpn:\nexceptions:\n  lan: private\n' >"$work/lan.yaml"
[[ $(apply_rc "$work/lan.yaml") == 0 ]] || fail "apply lan.yaml: $(cat "$work/err")"
reaches_b || fail "the LAN policy does not let the peer through"

# A refused policy: block-all, exit 2, the error with file:line:col, the peer unreachable.
printf 'version: 1\nexceptions:\n  lan: everywhere\n' >"$work/bad.yaml"
rc=$(apply_rc "$work/bad.yaml")
((rc == 2)) || fail "refused policy: exit $rc, want 2"
grep -q "bad.yaml:3:8:" "$work/err" || fail "no file:line:col error: $(cat "$work/err")"
grep -q "installing block-all" "$work/err" || fail "no block-all notice: $(cat "$work/err")"
grep -q "installed table inet netwarden (block-all)" "$work/out" || fail "not replaced: $(cat "$work/out")"
if reaches_b; then fail "a refused policy left the previous policy's LAN open"; fi
output=$(in_a nft list chain inet netwarden output) # not piped into grep -q: SIGPIPE under pipefail
[[ $output == *"policy drop"* ]] || fail "output is not policy drop"

# Back to the LAN policy, then a missing file: block-all again.
[[ $(apply_rc "$work/lan.yaml") == 0 ]] && reaches_b || fail "re-apply of lan.yaml"
rc=$(apply_rc "$work/missing.yaml")
((rc == 2)) || fail "missing policy: exit $rc, want 2"
if reaches_b; then fail "a missing policy left the LAN open"; fi

# A refused situation file fails closed too.
[[ $(apply_rc "$work/lan.yaml") == 0 ]] && reaches_b || fail "re-apply of lan.yaml"
printf 'nonsense: [\n' >"$work/bad-situation.yaml"
rc=$(apply_rc "$work/lan.yaml" --situation "$work/bad-situation.yaml")
((rc == 2)) || fail "refused situation: exit $rc, want 2"
if reaches_b; then fail "a refused situation left the LAN open"; fi

in_a "$binary" flush --pin "$work/pins" --threat-cache "$work/threats" >/dev/null || fail "flush"
reaches_b || fail "flush did not open the path again"
echo "apply_blockall_test: ok"
