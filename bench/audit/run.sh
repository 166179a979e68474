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

printf '%-14s %10s %9s %9s %12s %8s %10s %9s %12s\n' vendor lines wc_s audit_s lines_per_s \
  ratio peak_MiB sessions user_days
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
  start=$(date +%s.%N); wc -l "$file" >/dev/null; end=$(date +%s.%N)
  wc_seconds=$(echo "$end - $start" | bc -l)
  /usr/bin/time -f '%e %M' -o "$work/time.txt" taskset -c 0 "$netwarden" audit --tz Asia/Tokyo \
    --year 2024 --home JP --json "$work/$vendor.jsonl" "$file" >"$work/$vendor.summary"
  read -r audit_seconds peak_kib <"$work/time.txt"
  rate=$(echo "$count / $audit_seconds" | bc)
  ratio=$(echo "$audit_seconds / $wc_seconds" | bc -l)
  # Memory follows sessions (about users x days), not lines: print both.
  sessions=$(sed -n 's/^sessions: \([0-9]*\) (\([0-9]*\) users.*/\1/p' "$work/$vendor.summary")
  users=$(sed -n 's/^sessions: \([0-9]*\) (\([0-9]*\) users.*/\2/p' "$work/$vendor.summary")
  printf '%-14s %10d %9s %9s %12d %8.1f %10d %9d %12d\n' "$vendor" "$count" \
    "$(seconds "$wc_seconds")" "$audit_seconds" "$rate" "$ratio" $((peak_kib / 1024)) \
    "$sessions" "$((users * 30))"
done
