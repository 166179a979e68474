#!/usr/bin/env bash
# Agent lab test: each plane on its own, and all three in one agent (issue 10 items 1, 2, 5).
#   usage: agent_planes.sh NETWARDEN_BINARY   (appfw_probe from $NETWARDEN_BUILD_DIR)
# One agent, one policy file, reloaded between the parts; a cgroup and a bpffs pin directory of
# the test's own (removed on exit) for the per-program firewall.
# 1. Feeds only (no `vpn:`): no table inet netwarden (nothing else is blocked), the feed's
#    address is refused, its neighbour reached; explain through the agent names feed and entry;
#    status modes say vpn off, threats enforce.
# 2. The forced VPN in report mode: at home without a tunnel nothing is blocked, every flow the
#    lockdown would refuse is a `would-block` event (plane vpn, rule, destination, port); back to
#    enforce, the same flow is refused (report mode never weakens enforce mode).
# 3. All three planes with the tunnel up: other programs reach the corporate server through the
#    tunnel, the app rule's program is refused with EPERM through the tunnel too, the feed's
#    address is refused through the tunnel for everybody; status has the three planes.
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/../lab/lib.sh"
source "$(dirname "$0")/agent_lib.sh"

APPFW_PROBE=${NETWARDEN_BUILD_DIR:-$(dirname "$NETWARDEN")}/appfw_probe
[[ -x "$APPFW_PROBE" ]] || APPFW_PROBE=$(dirname "$NETWARDEN")/../../appfw_probe
[[ -x "$APPFW_PROBE" ]] || { echo "appfw_probe not found (build target appfw_probe)" >&2; exit 1; }
lab_init apl
agent_apps_sandbox agent-planes
CG=$AGENT_CG
PIN=$AGENT_PIN
lab_build
mkdir -p "$LAB_DIR/bin"
MAILER=$LAB_DIR/bin/mailer
OTHER=$LAB_DIR/bin/othermail
cp "$APPFW_PROBE" "$MAILER"
cp "$APPFW_PROBE" "$OTHER"
# in_cgroup PROGRAM ARGS...: the program in the test's cgroup (where the agent attached its BPF
# programs) and the laptop's namespace; prints connected / eperm / ...
in_cgroup() {
  bash -c 'echo $$ > "$1/cgroup.procs" && exec ip netns exec "$2" "${@:3}"' _ "$CG" "$LAB_LAP" "$@"
}
probe1() { lab_probe1 "$@" | awk '{print $1}'; }

AGENT_POLICY=$LAB_DIR/policy.yaml
FEED_ADDRESS=$LAB_WEB4                  # 203.0.113.80: the web server, listed by the feed
NEIGHBOUR=203.0.113.81                  # same server namespace, not listed
echo "$FEED_ADDRESS" >"$LAB_DIR/feed.txt"
feed_section() {
  cat <<YAML
threat_feeds:
  - {name: labbad, url: "file://$LAB_DIR/feed.txt", refresh: 2m, action: block}
YAML
}
apps_section() {
  cat <<YAML
apps:
  default: allow
  rules:
    - name: mailer-no-web
      program: $MAILER
      protocol: tcp
      ports: [80]
      action: deny
YAML
}
reload() {
  "$NETWARDEN" reload --control "$AGENT_SOCK" >/dev/null || lab_die "reload refused: $(tail -3 "$AGENT_EVENTS")"
}

echo "== 1. threat feeds only"
{ echo "version: 1"; feed_section; } >"$AGENT_POLICY"
lab_walk home
AGENT_HOST_SYS=1 agent_start --cgroup "$CG" --pin "$PIN"
agent_wait_event '.event == "threat-feed" and .feed == "labbad" and .ok == true and .entries == 1' 20 ||
  lab_die "feed not loaded: $(agent_events '.event == "threat-feed"')"
lab_check "feeds only: no forced-VPN table" "absent" \
  "$(lab_ns lap nft list table inet netwarden >/dev/null 2>&1 && echo present || echo absent)"
lab_check "feeds only: the feed's address refused" "reject" "$(probe1 tcp "$FEED_ADDRESS" 80 65534)"
lab_check "feeds only: its neighbour reached (no lockdown)" "allow" "$(probe1 tcp "$NEIGHBOUR" 80 65534)"
lab_check "feeds only: DNS to a public resolver is not blocked either" "allow" "$(probe1 udp "$LAB_PUBDNS4" 53 65534)"
answer=$("$NETWARDEN" explain --control "$AGENT_SOCK" --dst "$FEED_ADDRESS" --port 80 2>&1 || true)
lab_check "feeds only: explain names the feed and entry" "yes" \
  "$([[ $answer == *"labbad"*"$FEED_ADDRESS"* ]] && echo yes || echo "no: $answer")"
lab_check "feeds only: modes" '{"apps":"off","threats":"enforce","vpn":"off"}' \
  "$(agent_field '.modes | tojson')"
t0=$(date +%s%N)
lab_ns lap nft delete table inet netwarden_threats
lab_wait 3 bash -c "ip netns exec $LAB_LAP nft list table inet netwarden_threats | grep -q '$FEED_ADDRESS'" || true
echo "  threat table back after $((($(date +%s%N) - t0) / 1000000)) ms (poll every 0.1 s)"
lab_check "feeds only: deleted threat table repaired" "reject" "$(probe1 tcp "$FEED_ADDRESS" 80 65534)"

echo "== 2. the forced VPN in report mode"
agent_policy "$AGENT_POLICY" none
sed -i 's/^vpn:$/vpn:\n  mode: report/' "$AGENT_POLICY"
reload
agent_wait '.modes.vpn == "report"' 10 || lab_die "report mode not taken: $(agent_field .modes)"
lab_check "report mode: nothing blocked (web server, no tunnel)" "allow" "$(probe1 tcp "$LAB_WEB4" 80 65534)"
lab_check "report mode: nothing blocked (another port)" "allow" "$(probe1 tcp "$NEIGHBOUR" 8080 65534)"
agent_wait_event ".event == \"would-block\" and .plane == \"vpn\" and .destination == \"$LAB_WEB4\" and .destination_port == 80 and (.rule // \"\") != \"\"" 5 &&
  lab_check "report mode: would-block event (plane, rule, destination, port)" yes yes ||
  lab_check "report mode: would-block event (plane, rule, destination, port)" yes "no: $(agent_events '.event == "would-block"' | first3)"
lab_check "report mode: no blocked events for it" "0" \
  "$(agent_events ".event == \"blocked\" and .destination == \"$LAB_WEB4\"" | wc -l)"
agent_policy "$AGENT_POLICY" none
reload
agent_wait '.modes.vpn == "enforce"' 10 || lab_die "enforce mode not taken: $(agent_field .modes)"
lab_check "enforce again: the same flow refused" "reject" "$(probe1 tcp "$LAB_WEB4" 80 65534)"

echo "== 3. all three planes, tunnel up"
agent_policy "$AGENT_POLICY" none
{ feed_section; apps_section; } >>"$AGENT_POLICY"
reload
agent_wait '.modes.apps == "enforce" and .modes.threats == "enforce" and .modes.vpn == "enforce"' 10 ||
  lab_die "three planes not in force: $(agent_field .modes)"
lab_tunnel_up
agent_wait_state tunnel 10 || lab_die "agent did not see the tunnel: $(agent_status)"
lab_wait 30 bash -c "echo 'icmp $LAB_CORP4 0 0' | ip netns exec $LAB_LAP $NW_PROBE --timeout-ms 1000 | grep -q ^allow" ||
  lab_die "no traffic through the tunnel"
lab_check "three planes: another program reaches the corporate server" "connected" \
  "$(in_cgroup "$OTHER" connect tcp "$LAB_CORP4" 80)"
lab_check "three planes: the app rule refuses its program through the tunnel" "eperm" \
  "$(in_cgroup "$MAILER" connect tcp "$LAB_CORP4" 80)"
lab_check "three planes: the app rule's program on another port" "connected" \
  "$(in_cgroup "$MAILER" connect tcp "$LAB_CORP4" 443)"
lab_check "three planes: the feed refuses its address through the tunnel" "reject" \
  "$(probe1 tcp "$FEED_ADDRESS" 443 65534)"
lab_check "three planes: the feed's neighbour through the tunnel" "allow" \
  "$(probe1 tcp "$NEIGHBOUR" 443 65534)"
answer=$("$NETWARDEN" explain --control "$AGENT_SOCK" --program "$MAILER" --proto tcp --dst "$LAB_CORP4" --port 80 2>&1 || true)
lab_check "three planes: explain through the agent names the apps rule" "yes" \
  "$([[ $answer == *mailer-no-web* ]] && echo yes || echo "no: $answer")"
lab_check "three planes: no apply failures" "0" "$(agent_field '.counters.apply_failures // 0')"
lab_check "root namespace has no netwarden table" "none" \
  "$(nft list table inet netwarden >/dev/null 2>&1 && echo PRESENT || echo none)"
lab_summary
