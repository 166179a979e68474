#!/usr/bin/env bash
# `make deb-test`: the package in a fresh Debian bookworm chroot (mmdebstrap, the machine's own
# Debian apt sources). It installs cleanly and enables nothing; `netwarden --version` and
# `netwarden check` of the shipped example work; man pages, completion, logrotate and units are
# where Debian looks for them. Then, inside a network and mount namespace of the test's own (the
# host's rules and BPF pins are never touched), block-all is installed, a pin directory created,
# and `apt-get purge` must leave no table, no pin, no state: the machine unblocked.
#   usage: packaging/deb/chroot_test.sh DEB_DIR
set -euo pipefail
deb=$(ls "$(cd "${1:?usage: $0 DEB_DIR}" && pwd)"/netwarden_*.deb | head -1)
[[ -f $deb ]] || { echo "deb-test: no .deb in $1 (make deb)" >&2; exit 1; }
sources=${NETWARDEN_APT_SOURCES:-/etc/apt/sources.list.d/debian.sources}
[[ -f $sources ]] || sources=/etc/apt/sources.list
root=$(mktemp -d /tmp/netwarden-chroot.XXXXXX)
cleanup() { rm -rf --one-file-system "$root"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
in_root() { chroot "$root" "$@"; }

start=$(date +%s)
mmdebstrap --quiet --variant=apt --include="$deb" \
  --hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
  bookworm "$root" "$sources" || fail "mmdebstrap could not install $deb"
echo "deb-test: bookworm chroot with $(basename "$deb") in $(($(date +%s) - start)) s"

version=$(in_root netwarden --version)
echo "deb-test: $version"
[[ $version =~ ^netwarden\ [0-9]+\.[0-9]+\.[0-9]+( \(.+\))?$ ]] || fail "--version: '$version'"
examples=/usr/share/doc/netwarden/examples
[[ -f $root$examples/policy.yaml ]] || fail "no $examples/policy.yaml"
in_root netwarden check "$examples/policy.yaml" >/dev/null 2>&1 || fail "check of the example failed"
if in_root netwarden check /nonexistent.yaml 2>/dev/null; then fail "check of a missing file passed"; fi
echo "deb-test: netwarden check $examples/policy.yaml: ok"

for file in /usr/bin/netwarden /usr/share/man/man8/netwarden.8.gz \
  /usr/share/man/man5/netwarden-policy.5.gz /usr/share/bash-completion/completions/netwarden \
  /usr/share/zsh/vendor-completions/_netwarden /etc/logrotate.d/netwarden \
  /lib/systemd/system/netwarden.service /lib/systemd/system/netwarden-boot.service \
  /usr/lib/tmpfiles.d/netwarden.conf /usr/share/doc/netwarden/OPERATIONS.md.gz; do
  [[ -e $root$file ]] || fail "the package lacks $file"
done
grep -q '^ExecStart=/usr/bin/netwarden agent' "$root/lib/systemd/system/netwarden.service" ||
  fail "the agent unit does not run /usr/bin/netwarden"
# Installed, not enabled: nothing is enforced until the administrator says so.
for unit in netwarden.service netwarden-boot.service; do
  state=$(systemctl --root="$root" is-enabled "$unit" 2>/dev/null || true)
  [[ $state == disabled ]] || fail "$unit is '$state' after install, want disabled"
done
[[ -z $(ls "$root/etc/systemd/system/"*.wants/netwarden* 2>/dev/null) ]] || fail "a unit was enabled"
echo "deb-test: units installed, none enabled"

# purge in namespaces of our own: block-all and a pin directory first, then nothing may remain.
unshare --net --mount --propagation private bash -euo pipefail -c '
  root=$1
  ip link set lo up
  mkdir -p "$root/sys/fs/bpf" && mount -t bpf bpf "$root/sys/fs/bpf"
  if chroot "$root" netwarden apply /etc/netwarden/policy.yaml >/dev/null 2>&1; then
    echo "FAIL: apply of a missing policy succeeded" >&2; exit 1
  fi
  nft list table inet netwarden >/dev/null || { echo "FAIL: no block-all table" >&2; exit 1; }
  mkdir -p "$root/sys/fs/bpf/netwarden" "$root/var/lib/netwarden/threats" "$root/var/log/netwarden"
  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq netwarden >/dev/null
  [[ -z $(nft list tables) ]] || { echo "FAIL: tables left after purge: $(nft list tables)" >&2; exit 1; }
  for left in sys/fs/bpf/netwarden var/lib/netwarden var/log/netwarden usr/bin/netwarden; do
    [[ ! -e $root/$left ]] || { echo "FAIL: /$left left after purge" >&2; exit 1; }
  done
  ping -c1 -W2 127.0.0.1 >/dev/null || { echo "FAIL: loopback blocked after purge" >&2; exit 1; }
  umount "$root/sys/fs/bpf"
' purge "$root" || fail "purge"
echo "deb-test: purge removed tables, pins and state; nothing is blocked"
echo "deb-test: ok"
