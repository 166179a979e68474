#!/usr/bin/env bash
# Issue 14 item 14: every cache file is replaced durably — the temporary file fsynced before the
# rename, the directory fsynced after it — seen in the system calls of a real write (strace).
set -euo pipefail
test_binary=$1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Under `make asan` LeakSanitizer cannot run beneath ptrace; the binary's own run checks leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
strace -f -qq -e trace=openat,fsync,fdatasync,rename,renameat,renameat2 -o "$log" \
  "$test_binary" --gtest_filter='CacheFiles.TheCacheIsPrivate*' >/dev/null
# For a.meta: open of the .tmp, fsync, rename to a.meta, then an fsync after that rename.
python3 - "$log" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
fds = {}
state = None
for line in lines:
    m = re.search(r'openat\(.*"([^"]*a\.meta\.tmp)".* = (\d+)', line)
    if m: fds[m.group(2)] = 'tmp'; state = 'opened'; continue
    m = re.search(r'openat\(.*"([^"]*/cache)", O_RDONLY[^)]*O_DIRECTORY.* = (\d+)', line)
    if m: fds[m.group(2)] = 'dir'; continue
    m = re.search(r'fsync\((\d+)\)', line)
    if m and fds.get(m.group(1)) == 'tmp' and state == 'opened': state = 'file synced'; continue
    if re.search(r'rename\w*\(.*a\.meta\.tmp".*a\.meta"', line) and state == 'file synced': state = 'renamed'; continue
    if m and fds.get(m.group(1)) == 'dir' and state == 'renamed': state = 'dir synced'; break
if state != 'dir synced':
    sys.exit(f"FAIL: a.meta not written durably (got to: {state})")
print("PASS cache writes: fsync(file) -> rename -> fsync(directory)")
PY
