#!/usr/bin/env bash
# Real kernel, one bare namespace of the test's own: `netwarden apply` installs, `verify` proves
# (and --equivalence); each tampering done with nft commands makes verify fail (exit 1) with a
# counterexample naming the packet and the rule; other tables never matter.
set -euo pipefail
binary=$(realpath "$1")
source_dir=${NETWARDEN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
ns="nwv-kernel-$$"
work=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
in_ns() { ip netns exec "$ns" "$@"; }

ip netns add "$ns"
in_ns ip link set lo up
in_ns ip link add wlan0 type veth peer name wlan0-peer
policy="$source_dir/tests/golden/render/full.policy.yaml"
situation="$source_dir/tests/golden/render/full.situation.yaml"
nw() { in_ns "$binary" "$@"; }
install() { nw flush >/dev/null; nw apply "$policy" --situation "$situation" >/dev/null; }

# verify_fails PATTERN...: verify exits 1 and its output holds every pattern.
verify_fails() {
  local out rc=0
  out=$(nw verify "$policy" --situation "$situation" 2>&1) || rc=$?
  [[ $rc == 1 ]] || fail "verify exited $rc after tampering ($*): $out"
  for pattern in "$@"; do
    [[ $out == *"$pattern"* ]] || fail "no '$pattern' in: $out"
  done
}
verify_proves() {
  local out
  out=$(nw verify "$policy" --situation "$situation" "$@" 2>&1) || fail "verify $* did not prove: $out"
  [[ $out == proved:* ]] || fail "verify $*: $out"
}
handle_matching() {  # handle_matching CHAIN TEXT: the first rule of CHAIN holding TEXT
  in_ns nft -a list chain inet netwarden "$1" | grep -F -- "$2" | head -1 | grep -o 'handle [0-9]*' | cut -d' ' -f2
}
handle_of() { handle_matching "$1" "comment \"$2\""; }

install
verify_proves
verify_proves --equivalence
# Another tool's accept in its own table changes nothing: it cannot override our drop.
in_ns nft add table inet othertool
in_ns nft add chain inet othertool out '{ type filter hook output priority 10; policy accept; }'
in_ns nft add rule inet othertool out tcp dport 8443 accept
verify_proves

# --control: the running agent names its policy and live situation (a stand-in speaks the contract).
python3 "$source_dir/tests/verify/fake_agent.py" "$work/control.sock" "$policy" "$situation" &
for _ in $(seq 50); do [[ -S $work/control.sock ]] && break; sleep 0.1; done
out=$(nw verify --control "$work/control.sock" 2>&1) || fail "verify --control: $out"
[[ $out == proved:* ]] || fail "verify --control: $out"
wait

# An inserted accept before the final reject.
last=$(handle_of output default-block)
in_ns nft insert rule inet netwarden output position "$last" tcp dport 8443 accept
inserted=$(handle_matching output 'tcp dport 8443 accept')
verify_fails "counterexample: proto=tcp uid=any dst=93.184.216.34 dport=8443 oif=wlan0 rule=$inserted \"\""
out=$(nw verify "$policy" --situation "$situation" --equivalence 2>&1) && fail "equivalence proved a tampered table"
[[ $out == *"dport=8443"*"kernel=accept reference=reject (default-block)"* ]] || fail "equivalence: $out"

# A widened set element.
install
in_ns nft add element inet netwarden breakout4 '{ 52.116.0.0/14 }'
verify_fails "dst=52.116.0.0" "rule=$(handle_of output breakout) \"breakout\""

# Chain policy accept alone, the final reject removed alone: both unreachable; together a leak.
install
in_ns nft chain inet netwarden output '{ policy accept ; }'
verify_proves
install
in_ns nft delete rule inet netwarden output handle "$(handle_of output default-block)"
verify_proves
in_ns nft chain inet netwarden output '{ policy accept ; }'
verify_fails "oif=wlan0 rule=policy \"netwarden output policy accept\""

# A one-user gateway element with the wrong uid.
install
in_ns nft add element inet netwarden user_gateways6 '{ 2001:db8::10 . udp . 51820 . 1000 }'
verify_fails "proto=udp uid=1000 dst=2001:db8::10 dport=51820 oif=wlan0 rule=$(handle_matching output @user_gateways6) \"gateway\""

# Forwarded traffic (containers, VMs) and the input guard are proved too.
install
in_ns nft insert rule inet netwarden forward position "$(handle_of forward default-block)" udp dport 9999 accept
verify_fails "proto=udp" "dport=9999" "hook=forward"
install
in_ns nft delete rule inet netwarden input handle "$(handle_of input tunnel-address-guard)"
verify_fails "dst=10.99.0.2" "hook=input"

# A statement the model cannot follow (it changes the mark later rules look at): not proved.
install
in_ns nft insert rule inet netwarden output meta mark set 0x4e570006
rc=0; out=$(nw verify "$policy" --situation "$situation" 2>&1) || rc=$?
[[ $rc == 1 && $out == "not proved: "*"'mangle' is not modelled"* ]] || fail "mark set: exit $rc: $out"

# The table deleted.
in_ns nft delete table inet netwarden
verify_fails "rule=none"

# Kernel-free modes through the CLI: every reachable state proves; a diff names the new breakout.
out=$(nw verify --all-states "$policy" --situation "$situation") || fail "--all-states: $out"
[[ $(grep -c '^state .*: proved:' <<<"$out") == 6 ]] || fail "--all-states: $out"
printf 'version: 1\nvpn:\n  tunnel_interfaces: ["wg0"]\n' > "$work/old.yaml"
printf 'version: 1\nvpn:\n  tunnel_interfaces: ["wg0"]\nexceptions:\n  breakout: [{cidr: 52.112.0.0/14}]\n' > "$work/new.yaml"
out=$(nw verify --diff "$work/old.yaml" "$work/new.yaml") || fail "--diff: $out"
[[ $out == "any protocol any uid → 52.112.0.0/14 any port via any interface except lo except "*": newly allowed" ]] ||
  fail "--diff: $out"

# Breakouts that name ports (one prefix set and rule per profile) prove, an address added to a
# profile's set is the counterexample, and a name resolving elsewhere is a set update.
policy="$source_dir/tests/golden/render/breakout-ports.policy.yaml"
situation="$source_dir/tests/golden/render/breakout-ports.situation.yaml"
install
verify_proves
verify_proves --equivalence
# breakout_p1_4: the first profile's prefixes (udp 3478-3481, teams.example.com).
in_ns nft add element inet netwarden breakout_p1_4 '{ 192.0.2.51 }'
verify_fails "proto=udp uid=any dst=192.0.2.51 dport=3478 oif=wlan0 rule=$(handle_matching output @breakout_p1_4) \"breakout\""
install
sed 's/192.0.2.50/192.0.2.51/' "$situation" > "$work/moved.yaml"
out=$(nw apply "$policy" --situation "$work/moved.yaml") || fail "set update: $out"
[[ $out == "updated sets of table"* ]] || fail "a resolved name changed the structure: $out"
situation="$work/moved.yaml"
verify_proves --equivalence

# Reading errors are exit 2.
rc=0; nw verify "$work/missing.yaml" >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "a missing policy gave exit $rc"
echo "verify kernel_test: ok"
