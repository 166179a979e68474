#!/usr/bin/env bash
# Agent lab test: drift repair (issue 10 item 4). Another tool edits or deletes the agent's table
# in the laptop's namespace; the agent notices through nftables change notifications and puts
# the table back within 1 s, with a `drift` event; the periodic check finds what notifications
# cannot (the agent started with --resync-ms 1000 here, so both paths are exercised).
#   usage: agent_drift.sh NETWARDEN_BINARY
# 1. `nft delete table inet netwarden`: the table is back within 1 s, blocked flows are rejected
#    again, event {"event":"drift","table":"inet netwarden","found":"missing","repaired":true}.
# 2. An `accept` inserted at the top of the output chain (someone opening the lockdown): gone
#    within 1 s (a full replacement, not a set update), found "changed".
# 3. A set element added by hand to tunnel_ifaces: removed within 1 s.
# 4. Repairs never loop: after the three repairs the agent's own applies cause no drift events.
# 5. With a threat feed: `nft delete table inet netwarden_threats` is repaired within 1 s from
#    the feed's last good copy, event found "missing", table "inet netwarden_threats".
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/../lab/lib.sh"
source "$(dirname "$0")/agent_lib.sh"

lab_init adr
lab_build
AGENT_POLICY=$LAB_DIR/policy.yaml
agent_policy "$AGENT_POLICY" none
lab_walk home
agent_start --resync-ms 1000
agent_wait_state blocked 10 || lab_die "not blocked at home: $(agent_status)"

FLOW="tcp $LAB_WEB4 80 65534"
rejected() { [[ "$(lab_probe --timeout-ms 1500 <<<"$FLOW")" == reject* ]]; }
agent_ok "blocked before any tampering" rejected

# ms_until 'COMMAND' LIMIT_MS: polls every 10 ms; prints the milliseconds it took, or "timeout".
ms_until() {
  local cmd=$1 limit=$2 start now
  start=$(date +%s%N)
  while true; do
    if bash -c "$cmd" >/dev/null 2>&1; then
      now=$(date +%s%N)
      echo $(((now - start) / 1000000))
      return 0
    fi
    now=$(date +%s%N)
    (((now - start) / 1000000 > limit)) && { echo timeout; return 0; }
    sleep 0.01
  done
}
within() { [[ "$1" != timeout ]] && (($1 <= $2)) && echo yes || echo "no ($1 ms)"; }

echo "== 1. table deleted"
lab_ns lap nft delete table inet netwarden
t=$(ms_until "ip netns exec $LAB_LAP nft list chain inet netwarden output | grep -q 'policy drop'" 3000)
echo "  table back after $t ms"
lab_check "deleted table restored within 1 s" "yes" "$(within "$t" 1000)"
agent_ok "blocked again after the repair" rejected
agent_wait_event '.event == "drift" and .table == "inet netwarden" and .found == "missing" and .repaired == true' 3 &&
  lab_check "drift event (missing, repaired)" yes yes || lab_check "drift event (missing, repaired)" yes no

echo "== 2. an accept inserted at the top of the output chain"
lab_ns lap nft insert rule inet netwarden output counter accept comment '"tampered"'
t=$(ms_until "! ip netns exec $LAB_LAP nft list chain inet netwarden output | grep -q tampered" 3000)
echo "  inserted rule gone after $t ms"
lab_check "inserted accept removed within 1 s" "yes" "$(within "$t" 1000)"
agent_ok "blocked after the second repair" rejected
agent_wait_event '.event == "drift" and .table == "inet netwarden" and .found == "changed" and .repaired == true' 3 &&
  lab_check "drift event (changed, repaired)" yes yes || lab_check "drift event (changed, repaired)" yes no

echo "== 3. an interface added by hand to the tunnel set"
lab_ns lap nft add element inet netwarden tunnel_ifaces '{ "eth0" }'
t=$(ms_until "! ip netns exec $LAB_LAP nft list set inet netwarden tunnel_ifaces | grep -q eth0" 3000)
echo "  element gone after $t ms"
lab_check "hand-added tunnel element removed within 1 s" "yes" "$(within "$t" 1000)"
agent_ok "blocked after the third repair" rejected

echo "== 4. the agent's own applies are not drift"
before=$(agent_events '.event == "drift"' | wc -l)
"$NETWARDEN" reload --control "$AGENT_SOCK" >/dev/null
lab_walk home
agent_wait_state blocked 10 || true
sleep 2.5
after=$(agent_events '.event == "drift"' | wc -l)
lab_check "no drift events from the agent's own changes" "$before" "$after"
echo "== 5. the threat table deleted"
echo "203.0.113.200" >"$LAB_DIR/feed.txt"
cat >>"$AGENT_POLICY" <<YAML
threat_feeds:
  - {name: drift, url: "file://$LAB_DIR/feed.txt", refresh: 2m, action: block}
YAML
"$NETWARDEN" reload --control "$AGENT_SOCK" >/dev/null || lab_die "reload with a feed refused"
agent_wait_event '.event == "threat-feed" and .feed == "drift" and .ok == true and .entries == 1' 20 ||
  lab_die "feed not loaded: $(agent_events '.event == "threat-feed"')"
lab_wait 10 bash -c "ip netns exec $LAB_LAP nft list table inet netwarden_threats" || lab_die "no threat table"
lab_ns lap nft delete table inet netwarden_threats
t=$(ms_until "ip netns exec $LAB_LAP nft list table inet netwarden_threats | grep -q 203.0.113.200" 3000)
echo "  threat table back after $t ms"
lab_check "deleted threat table restored within 1 s" "yes" "$(within "$t" 1000)"
agent_wait_event '.event == "drift" and .table == "inet netwarden_threats" and .found == "missing" and .repaired == true' 3 &&
  lab_check "drift event (threat table missing, repaired)" yes yes ||
  lab_check "drift event (threat table missing, repaired)" yes no
lab_check "root namespace has no netwarden table" "none" "$(nft list table inet netwarden >/dev/null 2>&1 && echo PRESENT || echo none)"
lab_summary
