# shellcheck shell=bash
# Shared by the iperf3 benches over the lab path (bench/throughput.sh,
# bench/threats/lab_throughput.sh): laptop at home (untrusted) → home router (NAT) → internet →
# server, an iperf3 server on the breakout address (allowed by the lab policy, so every packet
# crosses the ruleset), and the measuring helpers. Source it, then:
#   iperf_lab_setup NAME BUILD_DIR     # sets NETWARDEN, POLICY, SIT, TARGET; the lab is torn down on exit
#   iperf_measure tcp|udp SECONDS      # prints the receiver's Mbit/s (udp: 64-byte datagrams)
#   median N...  /  ratio A B

source "$(dirname "${BASH_SOURCE[0]}")/../tests/lab/lib.sh"

iperf_lab_setup() {
  local name=$1
  NETWARDEN=$(readlink -f "$2")/netwarden
  [[ -x "$NETWARDEN" ]] || { echo "$name: $NETWARDEN is not built" >&2; exit 1; }
  command -v iperf3 >/dev/null || { echo "$name: iperf3 missing (scripts/install-deps.sh)" >&2; exit 1; }
  NETWARDEN_BUILD_DIR=$(readlink -f "$2")
  lab_init "$name" 2>/dev/null
  lab_build 2>/dev/null
  lab_walk home 2>/dev/null
  POLICY=$LAB_DIR/policy.yaml
  SIT=$LAB_DIR/situation.yaml
  lab_policy "$POLICY" private
  lab_situation "$SIT"
  TARGET=$LAB_BREAKOUT4
  lab_daemon iperf3 web iperf3 -s -p 5201 -B "$TARGET" # AnyIP: bind, so UDP answers come from it
  lab_wait 10 _lab_listening web tcp 5201 || lab_die "iperf3 server did not start"
}

# One run: unlimited-rate 64-byte UDP shows the per-packet cost that TCP's large segments hide.
iperf_measure() {
  local out args=()
  [[ $1 == udp ]] && args=(-u -b 0 -l 64)
  out=$(lab_ns lap iperf3 -c "$TARGET" -p 5201 -t "$2" -f m "${args[@]}" 2>&1) || {
    echo "$out" >&2
    lab_die "iperf3 failed"
  }
  awk '/receiver/ {for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1)}' <<<"$out" | tail -1
}

# Median: the machine is shared, single runs swing with other users' load.
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
