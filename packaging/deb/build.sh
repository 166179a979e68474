#!/usr/bin/env bash
# `make deb`: the Debian package, built by dpkg-buildpackage (debhelper, debian/) from a copy of
# the tracked files, so the checkout stays clean and the .deb lands in OUT_DIR, not in `..`.
# Then lintian: errors fail the build, warnings are printed (and explained in docs/OPERATIONS.md).
#   usage: packaging/deb/build.sh OUT_DIR
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mkdir -p "${1:?usage: $0 OUT_DIR}" && cd "$1" && pwd)
tree=$out/netwarden

# The copy has no .git: the version line's `git describe` is taken here.
NETWARDEN_DESCRIBE=$(git -C "$source_dir" describe --tags --always --dirty 2>/dev/null || true)
export NETWARDEN_DESCRIBE
# Repeated package builds are cheap with ccache (debian/rules adds these to its cmake flags).
if command -v ccache >/dev/null; then
  export NETWARDEN_DEB_CMAKE_FLAGS="-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
fi

rm -rf "$tree" "$out"/*.deb "$out"/*.buildinfo "$out"/*.changes
mkdir -p "$tree"
git -C "$source_dir" ls-files -z | (cd "$source_dir" && xargs -0 cp --parents -t "$tree")
cd "$tree"
start=$(date +%s)
dpkg-buildpackage -b -us -uc --jobs="${JOBS:-$(nproc)}" >"$out/build.log" 2>&1 || {
  tail -40 "$out/build.log" >&2
  echo "deb: dpkg-buildpackage failed (full log: $out/build.log)" >&2
  exit 1
}
deb=$(ls "$out"/netwarden_*.deb)
echo "deb: $deb ($(du -h "$deb" | cut -f1), built in $(($(date +%s) - start)) s)"

# lintian: any error fails; warnings and info are listed.
lintian --info --display-info "$deb" | tee "$out/lintian.txt" || true
if grep -q '^E: ' "$out/lintian.txt"; then
  echo "deb: lintian reports errors" >&2
  exit 1
fi
echo "deb: lintian: $(grep -c '^W: ' "$out/lintian.txt" || true) warnings, 0 errors"
