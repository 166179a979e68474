# Shared setup of the app-firewall tests: a network namespace, a cgroup under the cgroup-v2 mount
# and a bpffs pin directory, all of the test's own and all removed on exit (even on failure).
# Usage: source lib.sh NETWARDEN APPFW_PROBE
set -euo pipefail
netwarden=$(realpath "$1")
probe=$(realpath "$2")
name=$(basename "$0" .sh)
ns="nwa-$name-$$"
work=$(mktemp -d /tmp/nwa-$name.XXXXXX)
cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
cg="$cgroot/nwa-$name-$$"
pin="/sys/fs/bpf/nwa-$name-$$"
background=()
cleanup_hooks=()  # further commands run on exit (eval)

appfw_cleanup() {
  local status=$?
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -e "$cg/cgroup.kill" ]] && echo 1 > "$cg/cgroup.kill" 2>/dev/null || true
  "$netwarden" appfw flush --pin "$pin" >/dev/null 2>&1 || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    [[ -d "$cg" ]] || break
    rmdir "$cg" 2>/dev/null && break
    sleep 0.2
  done
  for hook in "${cleanup_hooks[@]}"; do eval "$hook" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
  if [[ -d "$cg" || -e "$pin" ]]; then echo "cleanup left $cg or $pin" >&2; fi
  exit $status
}
trap appfw_cleanup EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {  # expect WANT GOT WHAT
  [[ "$2" == "$1" ]] || fail "$3: expected '$1', got '$2'"
}
expect_has() {  # expect_has NEEDLE HAYSTACK WHAT
  [[ "$2" == *"$1"* ]] || fail "$3: expected to contain '$1', got: $2"
}

grep -q ' /sys/fs/bpf bpf ' /proc/mounts || mount -t bpf bpffs /sys/fs/bpf
[[ -n "$cgroot" ]] || fail "no cgroup2 mount"
mkdir "$cg"
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" addr add 10.0.0.1/32 dev lo
ip -n "$ns" addr add 10.0.0.2/32 dev lo
ip -n "$ns" addr add 10.0.0.3/32 dev lo
ip -n "$ns" addr add fd00::1/128 dev lo nodad
ip -n "$ns" addr add fd00::2/128 dev lo nodad
mkdir -p "$work/bin"

# program NAME: a copy of the probe at $work/bin/NAME (a distinct executable: its own inode).
program() { cp "$probe" "$work/bin/$1"; echo "$work/bin/$1"; }

# in_cgroup CMD...: runs CMD in the test's cgroup (where our BPF programs are attached) and netns.
# The cgroup is joined before `ip netns exec`, which remounts /sys.
in_cgroup() {
  bash -c 'echo $$ > "$1/cgroup.procs" && exec ip netns exec "$2" "${@:3}"' _ "$cg" "$ns" "$@"
}
in_ns() { ip netns exec "$ns" "$@"; }
# spawn OUT CMD...: CMD in the background (its pid in $!, killed on exit), output to OUT.
# A shell function (in_cgroup) runs in a subshell; its processes die with the cgroup.
spawn() {
  local out=$1; shift
  if declare -F "$1" > /dev/null; then ( "$@" > "$out" 2>&1 ) & else ( exec "$@" > "$out" 2>&1 ) & fi
  background+=($!)
}

appfw_apply() { "$netwarden" appfw apply "$1" --cgroup "$cg" --pin "$pin" "${@:2}"; }
appfw_events() { "$netwarden" appfw events --pin "$pin"; }
explain() { "$netwarden" explain "$@" 2>&1; }

# wait_for FILE TEXT: until FILE contains TEXT (5 s).
wait_for() {
  for _ in $(seq 50); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  fail "timed out waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
}
