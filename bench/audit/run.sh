#!/usr/bin/env bash
# End-to-end audit throughput (parse + geo + detect) per vendor format on generated files of at
# least LINES lines, against `wc -l` on the same file as the ceiling, plus peak memory.
# usage: bench/audit/run.sh <netwarden binary> [work dir] ; env LINES (5000000), VENDORS,
# REPEAT (1: runs per file, the least CPU time is reported), MIX (0: off; K: also a row
# "<vendor>+mixK" for a file of LINES lines in which every VPN line of the bench file is
# followed by K non-VPN lines of the same vendor, bench/audit/mix_non_vpn.py).
set -euo pipefail
netwarden=$(realpath "$1")
work=${2:-/tmp/netwarden-audit-bench}
lines=${LINES:-5000000}
vendors=${VENDORS:-"f5 asa fortigate globalprotect openvpn ocserv pulse"}
repeat=${REPEAT:-1}
mix=${MIX:-0}
here=$(cd "$(dirname "$0")" && pwd)
generator="$here/../../tests/audit/generate_vpn_logs.py"
mkdir -p "$work"

seconds() { python3 -c "import sys; print(f'{float(sys.argv[1]):.3f}')" "$1"; }

# lines_per_cpu_s divides by the audit's own CPU time (user + system), which stays meaningful on
# a shared machine; wall_s is the elapsed time.
printf '%-14s %10s %8s %8s %8s %16s %6s %9s %9s %10s\n' vendor lines wc_cpu_s wall_s cpu_s \
  lines_per_cpu_s ratio peak_MiB sessions user_days
measure() {  # label file
  local label=$1 file=$2
  count=$(wc -l <"$file")
  cat "$file" >/dev/null  # page cache warm for both measurements
  /usr/bin/time -f '%U %S' -o "$work/wc.txt" wc -l "$file" >/dev/null
  read -r wc_user wc_system <"$work/wc.txt"
  wc_seconds=$(echo "$wc_user + $wc_system" | bc -l)
  [[ $(echo "$wc_seconds > 0" | bc) == 1 ]] || wc_seconds=0.01  # below the clock's resolution
  local best=""
  for ((run = 0; run < repeat; ++run)); do
    /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" taskset -c 0 "$netwarden" audit \
      --tz Asia/Tokyo --year 2024 --home JP --json "$work/$label.jsonl" "$file" \
      >"$work/$label.summary"
    read -r wall_seconds user_seconds system_seconds peak_kib <"$work/time.txt"
    cpu_seconds=$(echo "$user_seconds + $system_seconds" | bc -l)
    if [[ -z $best || $(echo "$cpu_seconds < $best" | bc) == 1 ]]; then
      best=$cpu_seconds best_wall=$wall_seconds best_peak=$peak_kib
    fi
  done
  cpu_seconds=$best
  rate=$(echo "$count / $cpu_seconds" | bc)
  ratio=$(echo "$cpu_seconds / $wc_seconds" | bc -l)
  # Memory follows sessions (about users x days), not lines: print both.
  sessions=$(sed -n 's/^sessions: \([0-9]*\) (\([0-9]*\) users.*/\1/p' "$work/$label.summary")
  users=$(sed -n 's/^sessions: \([0-9]*\) (\([0-9]*\) users.*/\2/p' "$work/$label.summary")
  printf '%-14s %10d %8s %8s %8s %16d %6.1f %9d %9d %10d\n' "$label" "$count" \
    "$(seconds "$wc_seconds")" "$best_wall" "$(seconds "$cpu_seconds")" "$rate" "$ratio" \
    $((best_peak / 1024)) "$sessions" "$((users * 30))"
}

for vendor in $vendors; do
  file="$work/$vendor-$lines.log"
  if [[ ! -s "$file" ]]; then
    # Calibrate: lines per ordinary user over 30 days, then scale the user count.
    sample=$(python3 "$generator" --vendor "$vendor" --users 200 --days 30 | wc -l)
    users=$(( (lines * 200 + sample - 1) / sample + 1 ))
    python3 "$generator" --vendor "$vendor" --users "$users" --days 30 --out "$file"
  fi
  measure "$vendor" "$file"
  if (( mix > 0 )); then
    mixed="$work/$vendor-$lines-mix$mix.log"
    if [[ ! -s "$mixed" ]]; then
      head -n $((lines / (mix + 1))) "$file" >"$work/mix-source.log"
      python3 "$here/mix_non_vpn.py" "$vendor" "$work/mix-source.log" "$mixed" "$mix"
      rm -f "$work/mix-source.log"
    fi
    measure "$vendor+mix$mix" "$mixed"
  fi
done
