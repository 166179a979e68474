#!/usr/bin/env bash
# End-to-end audit throughput (parse + geo + detect) per vendor format on generated files of at
# least LINES lines, against `wc -l` on the same file as the ceiling, plus peak memory.
# usage: bench/audit/run.sh <netwarden binary> [work dir] ; env LINES (5000000), VENDORS.
set -euo pipefail
netwarden=$(realpath "$1")
work=${2:-/tmp/netwarden-audit-bench}
lines=${LINES:-5000000}
vendors=${VENDORS:-"f5 asa fortigate globalprotect openvpn ocserv pulse"}
here=$(cd "$(dirname "$0")" && pwd)
generator="$here/../../tests/audit/generate_vpn_logs.py"
mkdir -p "$work"

seconds() { python3 -c "import sys; print(f'{float(sys.argv[1]):.3f}')" "$1"; }

# lines_per_cpu_s divides by the audit's own CPU time (user + system), which stays meaningful on
# a shared machine; wall_s is the elapsed time.
printf '%-14s %10s %8s %8s %8s %16s %6s %9s %9s %10s\n' vendor lines wc_cpu_s wall_s cpu_s \
  lines_per_cpu_s ratio peak_MiB sessions user_days
for vendor in $vendors; do
  file="$work/$vendor-$lines.log"
  if [[ ! -s "$file" ]]; then
    # Calibrate: lines per ordinary user over 30 days, then scale the user count.
    sample=$(python3 "$generator" --vendor "$vendor" --users 200 --days 30 | wc -l)
    users=$(( (lines * 200 + sample - 1) / sample + 1 ))
    python3 "$generator" --vendor "$vendor" --users "$users" --days 30 --out "$file"
  fi
  count=$(wc -l <"$file")
  cat "$file" >/dev/null  # page cache warm for both measurements
  /usr/bin/time -f '%U %S' -o "$work/wc.txt" wc -l "$file" >/dev/null
  read -r wc_user wc_system <"$work/wc.txt"
  wc_seconds=$(echo "$wc_user + $wc_system" | bc -l)
  [[ $(echo "$wc_seconds > 0" | bc) == 1 ]] || wc_seconds=0.01  # below the clock's resolution
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" taskset -c 0 "$netwarden" audit \
    --tz Asia/Tokyo --year 2024 --home JP --json "$work/$vendor.jsonl" "$file" \
    >"$work/$vendor.summary"
  read -r wall_seconds user_seconds system_seconds peak_kib <"$work/time.txt"
  cpu_seconds=$(echo "$user_seconds + $system_seconds" | bc -l)
  rate=$(echo "$count / $cpu_seconds" | bc)
  ratio=$(echo "$cpu_seconds / $wc_seconds" | bc -l)
  # Memory follows sessions (about users x days), not lines: print both.
  sessions=$(sed -n 's/^sessions: \([0-9]*\) (\([0-9]*\) users.*/\1/p' "$work/$vendor.summary")
  users=$(sed -n 's/^sessions: \([0-9]*\) (\([0-9]*\) users.*/\2/p' "$work/$vendor.summary")
  printf '%-14s %10d %8s %8s %8s %16d %6.1f %9d %9d %10d\n' "$vendor" "$count" \
    "$(seconds "$wc_seconds")" "$wall_seconds" "$(seconds "$cpu_seconds")" "$rate" "$ratio" \
    $((peak_kib / 1024)) "$sessions" "$((users * 30))"
done
