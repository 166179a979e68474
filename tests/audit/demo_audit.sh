#!/usr/bin/env bash
# The audit part of `make demo`: generates two months of F5 and Cisco logs with planted misuse,
# audits them and writes the HTML report. usage: demo_audit.sh <netwarden binary> [out dir]
set -euo pipefail
netwarden=$1
out=${2:-/tmp/netwarden-audit-demo}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
# March from the F5 gateway, April from the Cisco one: the planted cases recur in both.
python3 "$here/generate_vpn_logs.py" --vendor f5 --users 40 --days 30 --start 2024-03-01 \
  --out "$out/f5.log"
python3 "$here/generate_vpn_logs.py" --vendor asa --users 40 --days 30 --start 2024-04-01 \
  --out "$out/asa.log"
"$netwarden" audit --tz Asia/Tokyo --year 2024 --home JP --allow-list "$here/allow_list.txt" \
  --json "$out/findings.jsonl" --csv "$out/sessions.csv" --report "$out/audit.html" \
  "$out/f5.log" "$out/asa.log"
echo
echo "VPN audit report: $out/audit.html (open it in a browser; mallory's red days are planted)"
