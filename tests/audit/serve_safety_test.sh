#!/usr/bin/env bash
# `audit serve` refuses what it must, on a real server on loopback (curl as the client): a Host
# header not on the allow-list -> 421, a request without the printed token (or with a wrong one)
# -> 403, and every response carries the Content-Security-Policy, nosniff and no-referrer headers.
# usage: serve_safety_test.sh <netwarden binary>. Exit 77 (skipped) without curl or when the
# binary was built without cpp-httplib.
set -euo pipefail
netwarden=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v curl >/dev/null || { echo "skip: curl not installed"; exit 77; }

work=$(mktemp -d /tmp/netwarden-serve.XXXXXX)
server=""
cleanup() {
  local status=$?
  if [[ -n "$server" ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

"$netwarden" audit --no-geo --tz UTC --year 2024 --db "$work/history.db" \
  "$here/baseline/sample-ocserv.log" >/dev/null
"$netwarden" audit serve --no-geo --tz UTC --db "$work/history.db" --listen 127.0.0.1:0 \
  --allow-host audit.example.test >"$work/serve.log" 2>&1 &
server=$!
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://[^ ]*' "$work/serve.log" || true)
  [[ -n "$url" ]] && break
  if ! kill -0 "$server" 2>/dev/null; then
    server=""
    if grep -q "built without cpp-httplib" "$work/serve.log"; then echo "skip: no cpp-httplib"; exit 77; fi
    cat "$work/serve.log" >&2
    exit 1
  fi
  sleep 0.1
done
[[ -n "$url" ]] || { echo "serve printed no URL" >&2; exit 1; }
[[ "$url" =~ ^http://127\.0\.0\.1:([0-9]+)/\?token=([0-9a-f]{64})$ ]] ||
  { echo "unexpected URL: $url" >&2; exit 1; }
port=${BASH_REMATCH[1]}
token=${BASH_REMATCH[2]}
base="http://127.0.0.1:$port"

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# status <expected> <curl args...>: the response status, headers kept in $work/headers
status() {
  local expected=$1
  shift
  local got
  got=$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' "$@")
  [[ "$got" == "$expected" ]] || fail "$* -> $got, expected $expected ($(head -c 200 "$work/body"))"
}
header() {  # the value of a header that must appear exactly once
  local values
  values=$(grep -i "^$1:" "$work/headers" | cut -d' ' -f2- | tr -d '\r')
  [[ $(printf '%s\n' "$values" | wc -l) == 1 ]] || { echo "(repeated) $values"; return; }
  printf '%s' "$values"
}
security_headers() {  # the headers every response must carry
  [[ "$(header Content-Security-Policy)" == "default-src 'none'; script-src 'sha256-"*"frame-ancestors 'none'" ]] ||
    fail "$1: Content-Security-Policy is '$(header Content-Security-Policy)'"
  [[ "$(header X-Content-Type-Options)" == nosniff ]] || fail "$1: no X-Content-Type-Options"
  [[ "$(header Referrer-Policy)" == no-referrer ]] || fail "$1: no Referrer-Policy"
}

# The printed URL works, with every name the server answers to.
status 200 "$url"
security_headers "the page"
grep -q "<input type=\"hidden\" name=\"token\" value=\"$token\">" "$work/body" ||
  fail "the page's search form lost the token"
meta=$(grep -o '<meta http-equiv="Content-Security-Policy" content="[^"]*"' "$work/body" |
  sed 's/.*content="//; s/"$//')
[[ "$(header Content-Security-Policy)" == "$meta; frame-ancestors 'none'" ]] ||
  fail "header and page policies differ"
status 200 -H "Host: localhost:$port" "$base/?token=$token"
status 200 -H "Host: [::1]:$port" "$base/?token=$token"
status 200 -H "Host: audit.example.test" "$base/?token=$token"
status 200 "$base/findings.jsonl?token=$token"
security_headers "findings.jsonl"
status 200 "$base/sessions.csv?token=$token&user=a"

# Wrong or missing Host: 421, even with the token (DNS rebinding).
status 421 -H "Host: evil.example:$port" "$base/?token=$token"
security_headers "the 421 answer"
status 421 -H "Host: 127.0.0.1.evil.example" "$base/?token=$token"
status 421 -H "Host:" --http1.0 "$base/?token=$token"

# No token, a wrong one, one of the wrong length: 403 on every path.
for path in "/" "/findings.jsonl" "/sessions.csv" "/nonexistent"; do
  status 403 "$base$path"
done
security_headers "the 403 answer"
status 403 "$base/?token=${token%?}"
status 403 "$base/?token=${token}0"
status 403 "$base/?token=$(printf '%064d' 0)"
status 403 "$base/?user=x&token="
[[ "$(cat "$work/body")" != *"$token"* ]] || fail "a refusal revealed the token"

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "serve: Host allow-list, token and security headers hold (port $port)"
