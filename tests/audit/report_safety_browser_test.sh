#!/usr/bin/env bash
# The HTML report of crafted user names (</script>, <!--<script>, quotes, U+2028, RTL override,
# a 3000-character name, ... : tests/audit/crafted_strings.h) in Debian's headless Chromium: the
# DOM after the page's script ran must hold the user x day matrix with exactly one row per user,
# no script of the data may have run, and the Content-Security-Policy must not have blocked the
# page's own script. usage: report_safety_browser_test.sh <audit_crafted_report> <build dir>
# Exit 77 (skipped) without chromium. Leaves <build dir>/audit-crafted.{html,dom.html,png}.
set -euo pipefail
generator=$1
build=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
command -v chromium >/dev/null || { echo "skip: chromium not installed"; exit 77; }

work=$(mktemp -d /tmp/netwarden-crafted.XXXXXX)
trap 'rm -rf "$work"' EXIT
report="$build/audit-crafted.html"
"$generator" "$report" "$work/expected-users.json"

browse() {  # browse <chromium args...>: a fresh profile each time, nothing fetched on the side
  timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --disable-background-networking --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$work/profile-$RANDOM" "$@" 2>"$work/chromium.log"
}
browse --virtual-time-budget=5000 --dump-dom "file://$report" >"$build/audit-crafted.dom.html" || {
  cat "$work/chromium.log" >&2
  exit 1
}
browse --window-size=1400,900 --screenshot="$build/audit-crafted.png" "file://$report" >/dev/null ||
  echo "note: no screenshot" >&2
python3 "$here/check_crafted_dom.py" "$build/audit-crafted.dom.html" "$work/expected-users.json"
echo "screenshot: $build/audit-crafted.png"
