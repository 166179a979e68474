#!/usr/bin/env bash
# Agent lab test: trust-probe spoofing.
#   usage: agent_probe_spoof.sh NETWARDEN_BINARY
# 1. An impostor office: same addresses, same probe URL (https://10.20.0.5/), but the probe server
#    presents another certificate (same subject, new key). The agent must not trust it: the state
#    stays "blocked", the web server stays unreachable and nothing leaves in plaintext.
# 2. The genuine office is trusted; then the probe server is swapped for the impostor while the
#    laptop stays: the next probe (a reload re-runs it) loses trust, with a probe event saying the
#    certificate does not match the pin, and the laptop is blocked again.
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/../lab/lib.sh"
source "$(dirname "$0")/agent_lib.sh"

lab_init aps
lab_build
AGENT_POLICY=$LAB_DIR/policy.yaml
agent_policy "$AGENT_POLICY" none

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=probe.office.example" \
  -keyout "$LAB_DIR/impostor.key" -out "$LAB_DIR/impostor.crt" 2>/dev/null
IMPOSTOR_SHA=$(openssl x509 -in "$LAB_DIR/impostor.crt" -outform DER | sha256sum | cut -d' ' -f1)

probe_server() { # genuine|impostor: restarts the office's TLS probe server with that certificate
  local which=$1 pid
  pid=$(cat "$LAB_DIR/pids/tls" 2>/dev/null || true)
  [[ -n "$pid" ]] && { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  local crt=$LAB_DIR/probe.crt key=$LAB_DIR/probe.key
  [[ $which == impostor ]] && crt=$LAB_DIR/impostor.crt key=$LAB_DIR/impostor.key
  lab_daemon tls office openssl s_server -quiet -www -accept "$LAB_OFFICE_PROBE4:443" -cert "$crt" -key "$key"
  lab_wait 10 _lab_listening office tcp 443 || lab_die "probe server did not start"
}

reprobe() { "$NETWARDEN" reload --control "$AGENT_SOCK" >/dev/null 2>&1 || true; }

echo "== 1. an impostor office"
probe_server impostor
lab_walk home
agent_start
agent_wait_state blocked 10 || lab_die "not blocked at home"
lab_walk office
MAC=$(agent_mac eth0)
lab_check "the impostor serves another certificate" "differs" \
  "$([[ "$(lab_office_probe_sha256)" == "$IMPOSTOR_SHA" && "$IMPOSTOR_SHA" != "$(cat "$LAB_DIR/probe.sha256")" ]] && echo differs || echo same)"
lab_capture_start impostor lap eth0
untrusted0=$(agent_field '.counters.probes_untrusted // 0')
# Make sure a complete probe ran against the settled link (see agent_wait_trusted in agent_lib.sh).
sleep 1
reprobe
agent_wait ".counters.probes_untrusted > $untrusted0" 10 || true
lab_check "the agent probed the impostor (untrusted result)" "yes" \
  "$( (($(agent_field '.counters.probes_untrusted // 0') > untrusted0)) && echo yes || echo no)"
sleep 2 # a wrong trust decision would have been applied by now
lab_check "state with the impostor" "blocked" "$(agent_field .state)"
lab_check "no trusted network" "0" "$(agent_field '.trusted | length')"
lab_check "no probe event claims trust" "none" "$(agent_events '.event == "probe" and .trusted == true' | head -1 | grep . || echo none)"
lab_check "web server, TCP" "reject" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"
lab_check "web server, UDP" "reject" "$(lab_probe1 udp $LAB_WEB4 5000 65534)"
lab_check "web server, ICMP" "reject" "$(lab_probe1 icmp $LAB_WEB4 0 0)"
lab_capture_stop impostor
n=$(lab_capture_count impostor "$(agent_leak_filter "$MAC")")
lab_check "impostor office: physical link carried only allowed packets (the probe)" "0" "$n"
# The untrusted result is not reported as a probe event when nothing was trusted before (agent
# bug, reported); when there is one it must name the pin.
ev=$(agent_events '.event == "probe" and .trusted == false' | tail -1)
if [[ -n "$ev" ]]; then
  lab_check "probe event: certificate does not match the pin" "yes" "$(grep -q 'does not match' <<<"$ev" && echo yes || echo no)"
else
  echo "  XFAIL no probe event for the impostor (an untrusted result is only reported when trust is lost)"
  [[ -n "${NW_STRICT:-}" ]] && lab_check "probe event for the impostor" "present" "absent"
fi

echo "== 2. trusted genuine office, then the probe server is swapped"
probe_server genuine
reprobe
agent_wait_trusted 10 || true
lab_check "genuine office: trusted" "trusted" "$(agent_field .state)"
lab_check "genuine office: web server directly" "allow" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"
probe_server impostor
reprobe
agent_wait_state blocked 10 || true
lab_check "after the swap: state" "blocked" "$(agent_field .state)"
ev=$(agent_events '.event == "probe" and .trusted == false' | tail -1)
lab_check "probe event: trust lost, certificate does not match the pin" "yes" \
  "$(grep -q 'does not match' <<<"$ev" && echo yes || echo "no: ${ev:-no event}")"
lab_check "after the swap: web server" "reject" "$(lab_probe1 tcp $LAB_WEB4 80 65534)"
lab_summary
