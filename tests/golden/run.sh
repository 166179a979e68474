#!/usr/bin/env bash
# Baseline tests: `render` of each tests/golden/render/<case>.policy.yaml (with <case>.situation.yaml
# when present) must equal <case>.nft; `check` of each tests/golden/invalid/<case>.yaml must exit 2
# and print exactly <case>.err. Run with UPDATE=1 to rewrite the baselines after a deliberate change.
set -uo pipefail
binary=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
failures=0

compare() {  # compare EXPECTED_FILE ACTUAL_TEXT
  if [[ "${UPDATE:-0}" == 1 ]]; then
    printf '%s\n' "$2" > "$1"
  elif ! diff -u "$1" <(printf '%s\n' "$2"); then
    echo "FAIL: $1 differs" >&2
    failures=$((failures + 1))
  fi
}

for policy in render/*.policy.yaml; do
  case=${policy%.policy.yaml}
  args=("$policy")
  [[ -f $case.situation.yaml ]] && args+=(--situation "$case.situation.yaml")
  actual=$("$binary" render "${args[@]}" 2>&1) || { echo "FAIL: render $policy exited $?" >&2; failures=$((failures + 1)); }
  compare "$case.nft" "$actual"
done

for policy in invalid/*.yaml; do
  actual=$("$binary" check "$policy" 2>&1)
  status=$?
  if [[ $status -ne 2 ]]; then
    echo "FAIL: check $policy exited $status, expected 2" >&2
    failures=$((failures + 1))
  fi
  compare "${policy%.yaml}.err" "$actual"
done

echo "golden: $failures failure(s)"
[[ $failures -eq 0 ]]
