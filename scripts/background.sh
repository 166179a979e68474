# Sourced by scripts/test.sh and .ci/run: timed steps, and builds run in the background at the
# lowest CPU priority (they use the cores the foreground leaves idle) whose failure still fails
# the caller. Needs `set -euo pipefail` and a log directory in $background_logs.

# step COMMAND...: runs COMMAND in the foreground and prints its time.
step() {
  local start=$SECONDS
  "$@"
  echo "${step_prefix:-step}: '$*' took $((SECONDS - start)) s"
}

# background NAME COMMAND...: runs COMMAND at nice 19, output into $background_logs/NAME.log, in
# a process group of its own (setsid) so that it can be stopped together with its compilers.
declare -A background_pids background_starts
background() {
  local name=$1
  shift
  # The last line of the log, and so its modification time, marks the end.
  setsid --wait bash -c 'nice -n 19 "$@"; rc=$?; echo "exit status $rc"; exit $rc' _ "$@" \
    >"$background_logs/$name.log" 2>&1 &
  background_pids[$name]=$!
  background_starts[$name]=$(date +%s)
  echo "${step_prefix:-step}: '$*' started in the background ($background_logs/$name.log)"
}

# await NAME: waits for a background command; its failure prints its log's end and exits.
await() {
  local name=$1 start=$SECONDS rc=0
  wait "${background_pids[$name]}" || rc=$?
  unset "background_pids[$name]"
  if ((rc != 0)); then
    tail -n 80 "$background_logs/$name.log" >&2
    echo "${step_prefix:-step}: '$name' FAILED (exit $rc); full log: $background_logs/$name.log" >&2
    exit "$rc"
  fi
  # Its end: when it last wrote to its log.
  local took=$(($(stat -c %Y "$background_logs/$name.log") - background_starts[$name]))
  echo "${step_prefix:-step}: '$name' took $took s in the background (waited $((SECONDS - start))" \
    "s for it)"
}

# On any exit: stop what still runs in the background (a failed step must not leave builds behind).
stop_background() {
  local pid
  for pid in "${background_pids[@]}"; do
    kill -- "-$pid" 2>/dev/null || kill -- "$pid" 2>/dev/null || true
  done
}
trap stop_background EXIT
