#!/usr/bin/env bash
# Agent lab test: the captive-portal window and the control socket's access rules.
#   usage: agent_portal_control.sh NETWARDEN_BINARY
# 1. At home (blocked), `netwarden portal --for 3s` opens HTTP/HTTPS (and DNS to the network's
#    resolver) on the physical interface: a user's TCP 80/443 to any public address works, other
#    ports stay rejected; the window closes by itself (status and the nft set say so, TCP 80 is
#    rejected again) and both are events.
# 2. The control socket refuses non-root callers (SO_PEERCRED), even with the socket file made
#    world-writable: status, portal and reload fail for uid/gid 65534. With --control-group nogroup
#    the group may read status and open the portal, but reload stays root-only.
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/../lab/lib.sh"
source "$(dirname "$0")/agent_lib.sh"

lab_init apc
lab_build
AGENT_POLICY=$LAB_DIR/policy.yaml
agent_policy "$AGENT_POLICY" none
# The socket lives in a directory others can enter, so a refusal is the agent's, not the mode's.
chmod 0755 "$LAB_DIR"

lab_walk home
agent_start
agent_wait_state blocked 10 || lab_die "not blocked at home"

echo "== 1. captive-portal window"
lab_check "before: user TCP 80 to a public address" "reject" "$(lab_probe1 tcp 203.0.113.200 80 65534)"
"$NETWARDEN" portal --control "$AGENT_SOCK" --for 3s >/dev/null || lab_die "portal refused for root"
t_open=$SECONDS
lab_check "status: window open" "true" "$(agent_field .portal_window.open)"
# (polled: a listing that races with one of the agent's set updates can come back empty-handed)
lab_check "nft: eth0 in the portal-window set" "yes" \
  "$(lab_wait 3 bash -c "ip netns exec $LAB_LAP nft list set inet netwarden portal_window_ifaces | grep -q eth0" && echo yes || echo no)"
lab_check "open: user TCP 80 to a public address" "allow" "$(lab_probe1 tcp 203.0.113.200 80 65534)"
lab_check "open: user TCP 443 to a public address" "allow" "$(lab_probe1 tcp 203.0.113.200 443 65534)"
lab_check "open: user TCP 22 stays rejected" "reject" "$(lab_probe1 tcp 203.0.113.200 22 65534)"
lab_check "open: user UDP 443 stays rejected" "reject" "$(lab_probe1 udp 203.0.113.200 443 65534)"
agent_wait '.portal_window.open == false' 15 || true
t_closed=$SECONDS
lab_check "window closed by itself" "false" "$(agent_field .portal_window.open)"
lab_check "  ...after about 3 s (not before 2 s, not after 15 s)" "yes" \
  "$( ((t_closed - t_open >= 2 && t_closed - t_open <= 15)) && echo yes || echo "no ($((t_closed - t_open)) s)")"
lab_wait 5 bash -c "! ip netns exec $LAB_LAP nft list set inet netwarden portal_window_ifaces | grep -q eth0" || true
lab_check "nft: portal-window set empty again" "yes" \
  "$(lab_ns lap nft list set inet netwarden portal_window_ifaces 2>/dev/null | grep -q '"eth0"' && echo no || echo yes)"
lab_check "closed: user TCP 80 to a public address" "reject" "$(lab_probe1 tcp 203.0.113.200 80 65534)"
lab_check "portal events: open and closed" "yes" \
  "$(agent_events '.event == "portal" and .window == "open"' | grep -q . && agent_events '.event == "portal" and .window == "closed"' | grep -q . && echo yes || echo no)"
rc=0
"$NETWARDEN" portal --control "$AGENT_SOCK" --for 20m >/dev/null 2>&1 || rc=$?
lab_check "a window longer than the maximum is refused" "refused" "$( ((rc != 0)) && echo refused || echo accepted)"
lab_check "  ...and nothing opened" "false" "$(agent_field .portal_window.open)"

echo "== 2. control socket: root only"
nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }
chmod 0666 "$AGENT_SOCK"
# refused CMD...: "refused" when the command fails. Known CLI/agent bug (reported): the agent
# answers a refused peer without reading its request and closes, so the CLI often dies of SIGPIPE
# (exit 141) instead of printing "permission denied"; that is noted as XFAIL (NW_STRICT=1: FAIL).
refused() {
  local out rc=0
  out=$(nobody "$NETWARDEN" "$@" --control "$AGENT_SOCK" 2>&1) || rc=$?
  if ((rc == 0)); then
    echo "accepted: $out"
  elif grep -qi "denied\|root" <<<"$out"; then
    echo refused
  elif [[ -n "${NW_STRICT:-}" ]]; then
    echo "refused-without-a-message (rc $rc)"
  else
    echo "  XFAIL '$*' as uid 65534 was refused without a message (rc $rc)" >&2
    echo refused
  fi
}
lab_check "status as uid 65534" "refused" "$(refused status --json)"
lab_check "portal as uid 65534" "refused" "$(refused portal --for 3s)"
lab_check "reload as uid 65534" "refused" "$(refused reload)"
lab_check "the window did not open" "false" "$(agent_field .portal_window.open)"
lab_check "the agent still answers root" "blocked" "$(agent_field .state)"

echo "== control group"
agent_stop
agent_start --control-group nogroup
lab_check "socket group is nogroup, mode 660" "nogroup:660" "$(stat -c '%G:%a' "$AGENT_SOCK")"
lab_check "status for the group" "blocked" "$(nobody "$NETWARDEN" status --control "$AGENT_SOCK" --json 2>/dev/null | jq -r .state)"
out=$(nobody "$NETWARDEN" portal --control "$AGENT_SOCK" --for 2s 2>&1) && r=opened || r="refused: $out"
lab_check "portal for the group" "opened" "$r"
lab_check "  ...event names the caller's uid" "yes" "$(agent_events '.event == "portal" and .requested_by_uid == 65534' | grep -q . && echo yes || echo no)"
lab_check "reload for the group stays refused" "refused" "$(refused reload)"
lab_check "status for another uid outside the group" "refused" \
  "$(setpriv --reuid 65533 --regid 65533 --clear-groups "$NETWARDEN" status --control "$AGENT_SOCK" >/dev/null 2>&1 && echo accepted || echo refused)"
agent_wait '.portal_window.open == false' 15 || true
lab_check "group's window closed by itself" "false" "$(agent_field .portal_window.open)"
lab_summary
