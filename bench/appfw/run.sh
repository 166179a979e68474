#!/usr/bin/env bash
# App-firewall benchmark (one run, same machine state for every case): connect() latency on
# loopback, p50/p99 over N connections, with no program attached and with our eBPF programs and
# 0, 100 and 10,000 rules; ratios against no program. Then the kernel memory of the maps holding
# 10,000 rules (bpftool's memlock, the maps' own accounting). In a cgroup and netns of its own.
#   bench/appfw/run.sh [NETWARDEN] [N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
netwarden=$(realpath "${1:-$here/../../build-appfw/netwarden}")
count=${2:-5000}
work=$(mktemp -d /tmp/nwa-bench.XXXXXX)
cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
cg="$cgroot/nwa-bench-$$"
pin="/sys/fs/bpf/nwa-bench-$$"
ns="nwa-bench-$$"
cleanup() {
  "$netwarden" appfw flush --pin "$pin" > /dev/null 2>&1 || true
  [[ -e "$cg/cgroup.kill" ]] && echo 1 > "$cg/cgroup.kill" 2>/dev/null || true
  sleep 0.2; rmdir "$cg" "$cg-base" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
grep -q ' /sys/fs/bpf bpf ' /proc/mounts || mount -t bpf bpffs /sys/fs/bpf
mkdir "$cg" "$cg-base"
base="$cg-base"
ip netns add "$ns"
ip -n "$ns" link set lo up
c++ -O2 -std=c++20 -pthread -o "$work/bench_client" "$here/connect_latency.cc"

# policy RULES: RULES deny rules for the measured program (distinct /32s and ports, none matching
# the measured flow), so every connect() walks the program's lookups and falls to the default.
policy() {
  python3 - "$1" "$work/bench_client" > "$work/policy-$1.yaml" <<'PY'
import sys
n, program = int(sys.argv[1]), sys.argv[2]
print("version: 1\nvpn:\n  gateways: []\napps:\n  default: allow\n  rules:")
for i in range(n):
    print(f"    - {{name: r{i}, program: {program}, protocol: tcp, "
          f"remote: [10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}], ports: [{1 + i % 60000}], action: deny}}")
PY
}
# measure CGROUP PORT (a fresh port per run: the previous client may still be exiting)
measure() {
  bash -c 'echo $$ > "$1/cgroup.procs" && exec taskset -c 1 ip netns exec "$2" "$3" "$4" "$5"' _ "$1" "$ns" \
    "$work/bench_client" "$count" "$2"
}
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
# Each case alternates runs without our programs (a sibling cgroup, nothing attached) and with
# them, so both see the same machine load; the medians of 5 runs are compared. The client (and
# its accept thread) is pinned to one CPU, so runs do not differ by where threads land.
declare -A p50 p99 base50 base99 apply_ms
port=18000
for rules in 0 100 10000; do
  policy "$rules"
  start=$(date +%s%N)
  "$netwarden" appfw apply "$work/policy-$rules.yaml" --cgroup "$cg" --pin "$pin" > /dev/null
  apply_ms[$rules]=$(( ($(date +%s%N) - start) / 1000000 ))
  a50=(); a99=(); b50=(); b99=()
  for _ in 1 2 3 4 5; do
    port=$((port + 2))
    read -r x y < <(measure "$base" "$port"); b50+=("$x"); b99+=("$y")
    read -r x y < <(measure "$cg" $((port + 1))); a50+=("$x"); a99+=("$y")
  done
  p50[$rules]=$(median "${a50[@]}"); p99[$rules]=$(median "${a99[@]}")
  base50[$rules]=$(median "${b50[@]}"); base99[$rules]=$(median "${b99[@]}")
done
memory=$(bpftool map show -j | python3 -c '
import json, sys
total = {}
for m in json.load(sys.stdin):
    if m.get("name", "").startswith("nw_"):
        total[m["name"]] = total.get(m["name"], 0) + m.get("bytes_memlock", 0)
print(" ".join(f"{k}={v}" for k, v in sorted(total.items())), "total", sum(total.values()))
')
echo "connect() on loopback, $count connections per run, median of 5 runs ($(uname -r), $(nproc) CPUs)"
printf '%-12s %14s %14s %14s %14s %8s %8s %9s\n' rules no_prog_p50_us no_prog_p99_us \
  p50_us p99_us p50_x p99_x apply_ms
for c in 0 100 10000; do
  printf '%-12s %14s %14s %14s %14s %8.2f %8.2f %9s\n' "$c" "${base50[$c]}" "${base99[$c]}" \
    "${p50[$c]}" "${p99[$c]}" "$(echo "${p50[$c]} / ${base50[$c]}" | bc -l)" \
    "$(echo "${p99[$c]} / ${base99[$c]}" | bc -l)" "${apply_ms[$c]}"
done
echo "map memory with 10,000 rules (bytes, bpftool memlock): $memory"
