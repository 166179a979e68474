#!/usr/bin/env bash
# Installs what netwarden needs to build, test and demo, from Debian bookworm packages.
# Idempotent and quiet when everything is present, so `make` can call it every time.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ clang pkg-config
  libnftables-dev libnftnl-dev libmnl-dev libnetfilter-log-dev libbpf-dev bpftool libelf-dev
  libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libssl-dev libc-ares-dev libcurl4-openssl-dev libmaxminddb-dev libsqlite3-dev zlib1g-dev libsystemd-dev
  libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # lab: namespaces, VPN, servers, evidence
  iproute2 nftables wireguard-go wireguard-tools openssl curl socat tcpdump iperf3
  iputils-ping dnsmasq-base procps util-linux
  # scripts: log generator, lab feed server, bench drivers and arithmetic
  python3 bc
  # agent lab tests: the other VPN kinds (OpenVPN TAP = L2, SSH port forwarding = L4), jq
  openvpn openssh-server openssh-client jq
  mmdb-bin
  # audit: the HTML report is checked in a real headless browser
  chromium
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

# GeoIP databases arrive as npm packages; some machines carry a Node.js with its own npm.
command -v npm >/dev/null || missing+=(npm)

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages (${missing[*]}); run as root" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Further installers (GeoIP data, ...) live beside this script and are run in order.
for extra in "$(dirname "$0")"/install.d/*.sh; do
  [[ -e "$extra" ]] && bash "$extra"
done
exit 0
