#!/usr/bin/env bash
# Second act of `make demo`: the live agent moves the laptop from home (blocked) to the tunnel
# (allowed) to the office (direct), deciding by itself from rtnetlink, the HTTPS probe and name
# lookups, then blocks a threat feed's entry even through the tunnel, and prints its events. In a
# throw-away namespace lab, like the first act.
#   usage: scripts/demo_agent.sh BUILD_DIR/netwarden
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 PATH/TO/netwarden}")
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/lib.sh"
source "$here/../tests/agent_lab/agent_lib.sh"

say() { printf '\n==> %s\n' "$*"; }
request() { # a user's request to the public web server, with its outcome and duration
  local start out
  start=$(date +%s%N)
  if out=$(ip netns exec "$LAB_LAP" setpriv --reuid 65534 --regid 65534 --clear-groups \
    curl -sS -m 5 "http://$LAB_WEB4/" 2>&1); then
    echo "  user$ curl http://$LAB_WEB4/ -> $(head -1 <<<"$out")  ($((($(date +%s%N) - start) / 1000000)) ms)"
  else
    echo "  user$ curl http://$LAB_WEB4/ -> blocked: $out ($((($(date +%s%N) - start) / 1000000)) ms)"
  fi
}
state() { echo "  agent: state $(agent_field .state)$(agent_field '.trusted[0] | if . then " (" + .network + " on " + .interface + ")" else "" end')"; }

say "Building the lab and starting the agent on the laptop"
lab_init dmag
lab_build 2>/dev/null
AGENT_POLICY=$LAB_DIR/policy.yaml
agent_policy "$AGENT_POLICY" private
lab_walk home 2>/dev/null
agent_start
agent_wait_state blocked 10 || true
state
request

say "The VPN comes up (WireGuard); the agent sees the tunnel interface and updates its sets"
lab_tunnel_up 2>/dev/null
agent_wait_state tunnel 10 || true
state
for _ in 1 2 3; do request | grep -q blocked || break; sleep 1; done
request

say "The laptop walks into the office: the agent verifies the HTTPS probe's certificate pin"
lab_tunnel_down 2>/dev/null
lab_walk office 2>/dev/null
agent_wait_state trusted 15 || true
state
request

say "Back home: trust is dropped at once"
lab_walk home 2>/dev/null
agent_wait_state blocked 10 || true
state
request

say "A threat feed lists the web server's /30: blocked even through the tunnel, feed and entry named"
echo "$LAB_WEB4" | awk -F. '{print $1 "." $2 "." $3 "." ($4 - $4 % 4) "/30"}' >"$LAB_DIR/feed.txt"
cat >>"$AGENT_POLICY" <<YAML
threat_feeds:
  - {name: demo-feed, url: "file://$LAB_DIR/feed.txt", action: block}
YAML
"$NETWARDEN" reload --control "$AGENT_SOCK" >/dev/null
agent_wait '.threats.feeds[0].entries == 1' 20 || true
lab_tunnel_up 2>/dev/null
agent_wait_state tunnel 10 || true
state
request
"$NETWARDEN" status --control "$AGENT_SOCK" | grep "threat feed" | sed 's/^/  /'
echo "  \$ netwarden explain --dst $LAB_WEB4 --port 80"
"$NETWARDEN" explain --control "$AGENT_SOCK" --dst "$LAB_WEB4" --port 80 | sed 's/^/  /'

say "The agent's events (netwarden events)"
"$NETWARDEN" events --file "$AGENT_EVENTS" | grep -vE '"event":"resolve"' | cut -c1-160 | sed 's/^/  /'
lab_teardown
trap - EXIT
echo "demo (agent): done"
