#!/usr/bin/env bash
# Installs what netwarden needs, from Debian bookworm packages, in sets:
#   install-deps.sh demo   what `make demo` builds and runs (fast on a fresh machine)
#   install-deps.sh test   everything `make test` needs (the default): demo + the rest
#   install-deps.sh deb    what `make deb` and `make deb-test` need: demo's build set + packaging
# Idempotent and quiet when everything is present, so `make` can call it every time.
set -euo pipefail
set_name=${1:-test}

# Building the netwarden binary (and the small lab tool nw_probe). GoogleTest is here because
# configuring the tree needs it; it is small.
build=(
  cmake ninja-build g++ pkg-config
  libnftables-dev libnftnl-dev libmnl-dev libnetfilter-log-dev
  libyaml-cpp-dev nlohmann-json3-dev libfmt-dev libcli11-dev
  libssl-dev libc-ares-dev libcurl4-openssl-dev libmaxminddb-dev libsqlite3-dev zlib1g-dev libsystemd-dev
  libcpp-httplib-dev
  libgtest-dev libgmock-dev
)
# The demo's lab: namespaces, WireGuard, a resolver, captures, the agent's jq helpers.
demo_run=(
  iproute2 nftables wireguard-go wireguard-tools openssl curl socat tcpdump
  iputils-ping dnsmasq-base procps util-linux python3 jq
)
# Only for the tests, benches and tools beyond the demo.
test_only=(
  # the per-program firewall's eBPF objects (clang -target bpf), sanitizer builds, fuzzing
  clang libbpf-dev bpftool libelf-dev
  libspdlog-dev libbenchmark-dev
  # bench drivers and arithmetic, the other VPN kinds (OpenVPN TAP = L2, SSH = L4), GeoIP tools
  iperf3 bc openvpn openssh-server openssh-client mmdb-bin
  # audit: the HTML report is checked in a real headless browser
  chromium
  # packaging checks in `make test`: man pages, completion syntax, unit files
  scdoc man-db zsh bash-completion systemd
)
# `make deb` (debhelper builds the package; the man pages from scdoc) and `make deb-test`.
deb=(
  debhelper dpkg-dev fakeroot scdoc lintian mmdebstrap clang libbpf-dev bpftool libelf-dev
)

case $set_name in
  demo) packages=("${build[@]}" "${demo_run[@]}") ;;
  test) packages=("${build[@]}" "${demo_run[@]}" "${test_only[@]}") ;;
  deb) packages=("${build[@]}" "${deb[@]}") ;;
  *) echo "usage: $0 [demo|test|deb]" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

# GeoIP databases (the audit tests) arrive as npm packages; some machines carry a Node.js with
# its own npm.
if [[ $set_name == test ]]; then
  command -v npm >/dev/null || missing+=(npm)
fi

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages (${missing[*]}); run as root" >&2
    exit 1
  fi
  echo "install-deps ($set_name): installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Further installers for the tests (GeoIP data, ...) live beside this script, run in order.
if [[ $set_name == test ]]; then
  for extra in "$(dirname "$0")"/install.d/*.sh; do
    [[ -e "$extra" ]] && bash "$extra"
  done
fi
exit 0
