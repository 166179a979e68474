#!/usr/bin/env bash
# The systemd units as shipped (packaging/systemd/*.service.in, rendered the way cmake renders
# them): `systemd-analyze verify` accepts them, their man pages exist, the hardening asked for in
# docs/OPERATIONS.md is there, and nothing can skip the boot block. No unit is loaded or started.
#   usage: units_test.sh NETWARDEN_BINARY
set -euo pipefail
binary=$(realpath "$1")
source_dir=${NETWARDEN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }

# Units naming the binary under test, and the man pages their Documentation= names.
mkdir -p "$work/units" "$work/man/man8" "$work/man/man5"
for unit in netwarden.service netwarden-boot.service; do
  sed "s|@NETWARDEN_BINARY@|$binary|g" "$source_dir/packaging/systemd/$unit.in" >"$work/units/$unit"
done
scdoc <"$source_dir/docs/man/netwarden.8.scd" >"$work/man/man8/netwarden.8"
scdoc <"$source_dir/docs/man/netwarden-policy.5.scd" >"$work/man/man5/netwarden-policy.5"

out=$(cd "$work/units" && MANPATH="$work/man" systemd-analyze verify --man=yes \
  netwarden.service netwarden-boot.service 2>&1) || fail "systemd-analyze verify: $out"
# verify also reports problems of other units on this machine; ours must have none.
if grep -E 'netwarden(-boot)?\.service' <<<"$out"; then fail "systemd-analyze verify: $out"; fi

agent=$work/units/netwarden.service
boot=$work/units/netwarden-boot.service
has() { grep -qxF "$2" "$1" || fail "$(basename "$1") lacks '$2'"; }
lacks() { if grep -qE "$2" "$1"; then fail "$(basename "$1") must not have '$2'"; fi; }

# Issue 14 item 4: a missing or broken policy must not skip the boot unit (block-all instead).
lacks "$boot" '^Condition'
lacks "$boot" '^ExecStop'
lacks "$agent" '^Condition'
# Watchdog, endless restarts (item 3).
has "$agent" 'Type=notify'
has "$agent" 'WatchdogSec=30s'
has "$agent" 'Restart=always'
has "$agent" 'StartLimitIntervalSec=0'
# Hardening (item 11): only its own directories are writable, private files, a small surface.
lacks "$agent" '^ReadWritePaths=.*/run( |$)'
has "$agent" 'UMask=0077'
has "$agent" 'RuntimeDirectory=netwarden'
has "$agent" 'StateDirectory=netwarden'
has "$agent" 'LogsDirectory=netwarden'
has "$agent" 'RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6'
has "$agent" 'SystemCallFilter=@system-service bpf'
for option in ProtectKernelTunables ProtectControlGroups LockPersonality MemoryDenyWriteExecute \
  RestrictNamespaces PrivateDevices NoNewPrivileges; do
  has "$agent" "$option=yes"
done
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$agent" | tr ' ' '\n' | sort | tr '\n' ' ')
want="CAP_BPF CAP_CHOWN CAP_DAC_READ_SEARCH CAP_NET_ADMIN CAP_PERFMON CAP_SYS_PTRACE "
[[ $caps == "$want" ]] || fail "capabilities are '$caps', want '$want' (each explained in docs/OPERATIONS.md)"
for cap in $want; do
  grep -q "$cap" "$source_dir/docs/OPERATIONS.md" || fail "docs/OPERATIONS.md does not explain $cap"
done

# systemd's own exposure score for the agent (0 = fully locked down, 10 = nothing); printed as a
# figure, and held below 4.0 (systemd calls up to 4.9 "OK").
if score=$(cd "$work/units" && systemd-analyze security --offline=yes --no-pager \
  netwarden.service 2>/dev/null | sed -n 's/.*Overall exposure level for netwarden.service: \([0-9.]*\).*/\1/p'); then
  echo "systemd-analyze security: exposure $score"
  [[ -z $score ]] || awk -v s="$score" 'BEGIN { exit !(s < 4.0) }' || fail "exposure $score >= 4.0 (was 3.1 when written)"
fi
echo "units_test: ok"
