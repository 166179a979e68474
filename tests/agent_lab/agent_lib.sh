# shellcheck shell=bash
# Helpers for the agent's lab tests (tests/agent_lab/agent_*.sh). Source tests/lab/lib.sh first.
#
#   agent_start [extra agent args]     # netwarden agent in the laptop namespace (background;
#                                      # AGENT_HOST_SYS=1: sees the host's bpffs and cgroups)
#   agent_kill9 / agent_stop           # SIGKILL / SIGTERM the running agent
#   agent_status                       # status --json (empty when the agent does not answer)
#   agent_wait 'JQ-EXPR' [SECONDS]     # polls status until the jq expression is true
#   agent_wait_state STATE [SECONDS]
#   agent_wait_event 'JQ-EXPR' [SECONDS]   # polls the events file until a line matches
#   agent_events 'JQ-EXPR'             # the matching event lines
#   agent_mac IFACE                    # a laptop interface's MAC (to filter captures by sender)
#   agent_policy FILE [lan]            # the lab policy (tests/lab/policy.yaml, pin filled in)
#   agent_apps_sandbox NAME            # cgroup $AGENT_CG + pin dir $AGENT_PIN, removed on exit
#
# The agent is started with lab_daemon, so the lab's teardown (EXIT trap) kills it with the
# namespaces; everything it writes (socket, events, state, threat-feed copies) lives in $LAB_DIR.

AGENT_LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The agent bugs these tests once recorded as XFAIL are fixed: every check is strict unless a run
# asks otherwise (NW_STRICT= to see the old XFAIL notes).
: "${NW_STRICT=1}"

agent_start() {
  AGENT_SOCK=$LAB_DIR/agent.sock
  AGENT_EVENTS=${AGENT_EVENTS:-$LAB_DIR/events.jsonl}
  AGENT_STATE=$LAB_DIR/agent-state.json
  AGENT_POLICY=${AGENT_POLICY:?agent_start: set AGENT_POLICY}
  mkdir -p "/etc/netns/$LAB_LAP"
  [[ -e "/etc/netns/$LAB_LAP/resolv.conf" ]] || echo "# no resolver" >"/etc/netns/$LAB_LAP/resolv.conf"
  rm -f "$AGENT_SOCK"
  local args=(agent --policy "$AGENT_POLICY" --control "$AGENT_SOCK" --events "$AGENT_EVENTS"
    --state "$AGENT_STATE" --resolv-conf "/etc/netns/$LAB_LAP/resolv.conf"
    --threat-cache "$LAB_DIR/threats" --no-syslog "$@")
  if [[ -n "${AGENT_HOST_SYS:-}" ]]; then
    # nsenter, not `ip netns exec` (which remounts /sys): the per-program firewall needs the
    # host's bpffs and cgroup mounts.
    nsenter --net="/run/netns/$LAB_LAP" -- "$NETWARDEN" "${args[@]}" >"$LAB_DIR/agent.log" 2>&1 &
    echo $! >"$LAB_DIR/pids/agent"
  else
    lab_daemon agent lap "$NETWARDEN" "${args[@]}"
  fi
  AGENT_PID=$(cat "$LAB_DIR/pids/agent")
  lab_wait 10 agent_status_ok || {
    cat "$LAB_DIR/agent.log" >&2
    lab_die "the agent did not answer on $AGENT_SOCK"
  }
}

agent_status_ok() { "$NETWARDEN" status --control "$AGENT_SOCK" --json >/dev/null 2>&1; }
agent_status() { "$NETWARDEN" status --control "$AGENT_SOCK" --json 2>/dev/null || true; }
agent_field() { agent_status | jq -r "$1" 2>/dev/null; }

agent_kill9() {
  kill -KILL "$AGENT_PID" 2>/dev/null || true
  wait "$AGENT_PID" 2>/dev/null || true
  rm -f "$LAB_DIR/pids/agent"
}

agent_stop() {
  kill -TERM "$AGENT_PID" 2>/dev/null || true
  wait "$AGENT_PID" 2>/dev/null || true
  rm -f "$LAB_DIR/pids/agent"
}

# agent_wait 'JQ-EXPR' [SECONDS]: true once the status satisfies the expression.
agent_wait() {
  local expr=$1 limit=${2:-10}
  lab_wait "$limit" bash -c "'$NETWARDEN' status --control '$AGENT_SOCK' --json 2>/dev/null | jq -e '$expr' >/dev/null"
}
agent_wait_state() { agent_wait ".state == \"$1\"" "${2:-10}"; }

agent_events() { jq -c "select($1)" "$AGENT_EVENTS" 2>/dev/null || true; }
agent_wait_event() {
  local expr=$1 limit=${2:-10}
  lab_wait "$limit" bash -c "jq -e -c 'select($expr)' '$AGENT_EVENTS' 2>/dev/null | grep -q ."
}

agent_mac() { ip -n "$LAB_LAP" -o link show "$1" 2>/dev/null | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

agent_policy() { lab_policy "$@"; }

# The generation counter and the last apply's mode, for the adoption checks.
agent_generation() { agent_field '.generation'; }

# agent_nft_table: the laptop's table (empty when absent).
agent_nft_table() { lab_ns lap nft list table inet netwarden 2>/dev/null || true; }

# Pass/fail for a condition: agent_ok DESCRIPTION COMMAND... (ok when COMMAND succeeds).
agent_ok() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then lab_check "$what" yes yes; else lab_check "$what" yes no; fi
}

# A BPF filter for "what the laptop sent that is not on the allowed list" on its physical link:
#   agent_leak_filter MAC [extra allowed BPF]
# Allowed: ARP, IPv6 link-local/multicast control (NDP, MLD), neighbour advertisements, DHCP,
# WireGuard to the gateway, the agent's (root) DNS to the home resolver, the office TLS probe.
agent_leak_filter() {
  local mac=$1 extra=${2:-}
  local allowed="arp
    or (ip6 and (src net fe80::/10 or dst net ff00::/8))
    or (icmp6 and (ip6[40] == 135 or ip6[40] == 136))
    or (udp and (port 67 or port 68))
    or (udp and dst host $LAB_GW_PUB4 and dst port $LAB_GW_PORT)
    or (dst host $LAB_HOME_GW4 and port 53)
    or (tcp and dst host $LAB_OFFICE_PROBE4 and dst port 443)"
  [[ -n "$extra" ]] && allowed+=" or ($extra)"
  echo "ether src $mac and not ($allowed)" | tr -s ' \n' ' '
}

# agent_wait_trusted [SECONDS]: waits for the agent to verify the office on its own. Known agent
# bug (reported to the lead): a probe that fails or is overtaken by an address change right after
# the laptop arrives is not retried before the periodic probe (60 s), so the laptop stays
# blocked. Then a reload (which re-runs the probes) is the workaround; NW_STRICT=1 fails instead.
AGENT_XFAILS=0
agent_wait_trusted() {
  local limit=${1:-8}
  agent_wait_state trusted "$limit" && return 0
  if [[ -n "${NW_STRICT:-}" ]]; then
    lab_check "agent verified the office by itself within ${limit}s" "trusted" "$(agent_field .state)"
    return 1
  fi
  AGENT_XFAILS=$((AGENT_XFAILS + 1))
  echo "  XFAIL agent did not verify the office within ${limit}s (probe not retried after a failed/stale probe; counters: $(agent_status | jq -c .counters))"
  "$NETWARDEN" reload --control "$AGENT_SOCK" >/dev/null 2>&1 || true
  agent_wait_state trusted 10
}

# The first three lines of the input, reading all of it (no SIGPIPE under pipefail, unlike head).
first3() { awk 'NR <= 3'; }

# agent_apps_sandbox NAME (after lab_init): a cgroup ($AGENT_CG) and a bpffs pin directory
# ($AGENT_PIN) of this run's own for the per-program firewall, removed on exit before the lab
# (the agent is killed first; the pins are flushed; the cgroup's processes are killed).
agent_apps_sandbox() {
  local cgroot
  cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
  [[ -n "$cgroot" ]] || lab_die "no cgroup2 mount"
  grep -q ' /sys/fs/bpf bpf ' /proc/mounts || mount -t bpf bpffs /sys/fs/bpf
  AGENT_CG="$cgroot/nw-$1-$$"
  AGENT_PIN="/sys/fs/bpf/nw-$1-$$"
  mkdir "$AGENT_CG"
  trap 'rc=$?; _agent_apps_cleanup; (exit $rc); _lab_on_exit' EXIT INT TERM
}
_agent_apps_cleanup() {
  kill -KILL "$(cat "$LAB_DIR/pids/agent" 2>/dev/null)" 2>/dev/null || true
  [[ -e "$AGENT_CG/cgroup.kill" ]] && echo 1 >"$AGENT_CG/cgroup.kill" 2>/dev/null || true
  "$NETWARDEN" appfw flush --pin "$AGENT_PIN" >/dev/null 2>&1 || true
  local _
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    [[ -d "$AGENT_CG" ]] || break
    rmdir "$AGENT_CG" 2>/dev/null && break
    sleep 0.2
  done
  [[ -d "$AGENT_CG" || -e "$AGENT_PIN" ]] && echo "cleanup left $AGENT_CG or $AGENT_PIN" >&2
  return 0
}
