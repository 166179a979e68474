# shellcheck shell=bash
# shellcheck disable=SC2034  # the address plan is used by the scripts that source this file
# netwarden network lab: namespaces, routers, a WireGuard gateway, servers, captures.
# Sourced by tests/lab/*.sh, scripts/demo.sh and bench/throughput.sh. See docs/LAB.md for the
# picture and the address plan.
#
#   source tests/lab/lib.sh
#   lab_init TAG            # unique prefix, state dir, cleanup traps, removal of stale labs
#   lab_build               # every namespace, link, router, server; laptop has no network yet
#   lab_walk home|office|branch|rogue|none   # move the laptop's eth0 to that network
#   lab_tunnel_up / lab_tunnel_down   # WireGuard on the laptop (wgl<ID>) to the gateway
#   lab_situation FILE [verified NETWORK...]   # situation YAML of the laptop's current state
#   lab_probe [nw_probe args] < flows          # nw_probe in the laptop namespace
#   lab_capture_start NAME NS IFACE [FILTER] / lab_capture_stop NAME / lab_capture_count NAME FILTER
#   lab_teardown            # also runs on EXIT/INT/TERM
#
# Rules it keeps: nothing outside the namespaces it creates is changed (veth pairs are created
# inside lab namespaces; /etc/netns/<ns>/ is created for our namespaces only and removed), no
# namespace has a route to the machine's uplink, and every lab is removed on exit, even on
# failure. A lab left behind by a killed run is removed by the next lab_init (its owner's pid is
# dead).

LAB_STATE_ROOT=/run/netwarden-lab
LAB_SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_SINK_PORT=7777

# ---- address plan (docs/LAB.md) ------------------------------------------------------------
LAB_GW_PUB4=198.51.100.1           # WireGuard gateway, public side
LAB_GW_PUB6=2001:db8:5100::1
LAB_GW_PORT=51820
LAB_GW2_PUB4=198.51.100.2          # a second gateway endpoint: TCP 443, root only (policy)
LAB_WEB4=203.0.113.80              # public web server (HTTP on 80; every port answers)
LAB_WEB6=2001:db8:113::80
LAB_BREAKOUT_NET=203.0.113.0/28    # breakout range in the lab policy
LAB_BREAKOUT4=203.0.113.5          # a host in it
LAB_MEET4=203.0.113.77             # meet.example.com (breakout by name)
LAB_PORTAL4=203.0.113.99           # login.hotspot.example (captive portal)
LAB_PUBDNS4=203.0.113.53           # a public resolver (DNS leak target)
LAB_HOME_GW4=192.168.1.1           # home router, dnsmasq
LAB_HOME_GW6=2001:db8:1::1
LAB_HOME_LAP4=192.168.1.10
LAB_HOME_LAP6=2001:db8:1::10
LAB_OFFICE_GW4=10.20.0.1
LAB_OFFICE_GW6=2001:db8:2::1
LAB_OFFICE_LAP4=10.20.0.10
LAB_OFFICE_LAP6=2001:db8:2::10
LAB_OFFICE_PROBE4=10.20.0.5        # TLS probe server (openssl s_server, port 443)
LAB_OFFICE_PROXY4=10.20.0.8
LAB_BRANCH_GW4=10.30.0.1           # branch office: trusted by interface subnet (10.30.0.0/16)
LAB_BRANCH_LAP4=10.30.0.10
LAB_ROGUE_GW4=203.0.113.1          # rogue Wi-Fi hands out 203.0.113.0/24 (contains LAB_WEB4)
LAB_ROGUE_LAP4=203.0.113.10
LAB_CORP4=10.10.0.10               # corporate server behind the gateway
LAB_TUN_GW4=10.99.0.1
LAB_TUN_LAP4=10.99.0.2
LAB_TUN_GW6=fd00:99::1
LAB_TUN_LAP6=fd00:99::2

lab_log() { printf '[lab %s] %s\n' "$(date +%T)" "$*" >&2; }
lab_die() {
  lab_log "FATAL: $*"
  exit 1
}

# Runs a command in a lab namespace: lab_ns lap ip addr
lab_ns() {
  local ns=$1
  shift
  ip netns exec "${LAB_PREFIX}-$ns" "$@"
}
lab_nsname() { echo "${LAB_PREFIX}-$1"; }

# Polls CMD... until it succeeds, at most SECONDS (fractions ok). lab_wait 10 cmd args
lab_wait() {
  local limit=$1
  shift
  local end=$((SECONDS + ${limit%.*} + 1))
  while ((SECONDS < end)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# ---- lifecycle ------------------------------------------------------------------------------

# Removes one lab by prefix: kills every process inside its namespaces, deletes the namespaces,
# their /etc/netns/ entries and the state dir. Idempotent.
_lab_remove() {
  local prefix=$1 ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${prefix}-" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -TERM "$pid" 2>/dev/null || true
    done
  done
  # Processes we started outside namespaces' lifetime (captures etc.) are in the pid list too.
  if [[ -d "$LAB_STATE_ROOT/$prefix/pids" ]]; then
    for pid in $(cat "$LAB_STATE_ROOT/$prefix"/pids/* 2>/dev/null); do
      kill -TERM "$pid" 2>/dev/null || true
    done
  fi
  sleep 0.2
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${prefix}-" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -KILL "$pid" 2>/dev/null || true
    done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
  rm -f "/var/run/wireguard/wgl${prefix: -4}.sock" "/var/run/wireguard/wgg${prefix: -4}.sock"
  rm -rf "${LAB_STATE_ROOT:?}/$prefix"
}

# Removes labs whose owning process is gone (a crashed or killed earlier run).
_lab_remove_stale() {
  local dir prefix owner ns
  for dir in "$LAB_STATE_ROOT"/nwlab*; do
    [[ -d "$dir" ]] || continue
    prefix=$(basename "$dir")
    owner=$(cat "$dir/owner" 2>/dev/null || echo 0)
    if ! kill -0 "$owner" 2>/dev/null; then
      lab_log "removing stale lab $prefix (owner $owner is gone)"
      _lab_remove "$prefix"
    fi
  done
  # Namespaces of ours without a state dir (state dir removed, namespaces not).
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' |
    grep -E '^nwlab[a-z]{1,4}[0-9a-f]{4}-(lap|home|office|branch|rogue|inet|gw|corp|web|vm)$' || true); do
    prefix=${ns%%-*}
    [[ -d "$LAB_STATE_ROOT/$prefix" ]] && continue
    lab_log "removing stale lab namespace $ns"
    _lab_remove "$prefix"
  done
}

lab_teardown() {
  [[ -n "${LAB_PREFIX:-}" ]] || return 0
  if [[ -n "${LAB_KEEP:-}" ]]; then
    lab_log "LAB_KEEP set: leaving $LAB_PREFIX in place (remove: ip netns list | grep $LAB_PREFIX)"
    return 0
  fi
  _lab_remove "$LAB_PREFIX"
  LAB_PREFIX=
}

_lab_on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  lab_teardown
  if ((rc != 0)); then
    lab_log "exit status $rc"
  fi
  exit "$rc"
}

# lab_init TAG: TAG is 1-4 lowercase letters naming the user (fv, df, ln, demo, bench).
lab_init() {
  local tag=${1:-lab}
  [[ $(id -u) -eq 0 ]] || lab_die "the lab needs root (network namespaces)"
  [[ "$tag" =~ ^[a-z]{1,4}$ ]] || lab_die "bad lab tag '$tag'"
  local tool
  for tool in ip ss nft wireguard-go wg tcpdump dnsmasq openssl curl socat setpriv getent; do
    command -v "$tool" >/dev/null || lab_die "missing $tool (run scripts/install-deps.sh)"
  done
  mkdir -p "$LAB_STATE_ROOT"
  _lab_remove_stale
  LAB_ID=$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
  LAB_PREFIX="nwlab${tag}${LAB_ID}"
  LAB_DIR="$LAB_STATE_ROOT/$LAB_PREFIX"
  LAB_WG_LAP="wgl${LAB_ID}"
  LAB_WG_GW="wgg${LAB_ID}"
  LAB_LAP=$(lab_nsname lap)
  LAB_NET=none
  LAB_TUNNEL=down
  mkdir -p "$LAB_DIR/pids" "$LAB_DIR/cap"
  echo $$ >"$LAB_DIR/owner"
  trap _lab_on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  lab_log "lab $LAB_PREFIX (state in $LAB_DIR)"
}

# Finds the nw_probe binary: $NW_PROBE, else next to the netwarden binary / in the build dir.
lab_find_probe() {
  local c
  for c in "${NW_PROBE:-}" "${NETWARDEN_BUILD_DIR:-}/nw_probe" "$(dirname "${NETWARDEN:-/nonexistent}")/nw_probe" \
    "$LAB_SRC_DIR/build/nw_probe" "$LAB_SRC_DIR/build-lab/nw_probe"; do
    [[ -n "$c" && -x "$c" ]] && {
      NW_PROBE=$(readlink -f "$c")
      return 0
    }
  done
  lab_die "nw_probe not found (build target nw_probe, or set NW_PROBE)"
}

# ---- building -------------------------------------------------------------------------------

_lab_new_ns() {
  local ns
  ns=$(lab_nsname "$1")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # IPv6 addresses usable at once: no DAD, no router advertisements.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 >/dev/null
}

_lab_router() {
  lab_ns "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
}

# _lab_link NS_A IF_A ADDRS_A NS_B IF_B ADDRS_B: a veth pair created inside NS_A with its peer
# created directly in NS_B (never in the root namespace). ADDRS: comma-separated, may be empty.
_lab_link() {
  local a=$1 ia=$2 aa=$3 b=$4 ib=$5 ab=$6 x
  ip -n "$(lab_nsname "$a")" link add "$ia" type veth peer name "$ib" netns "$(lab_nsname "$b")"
  for x in ${aa//,/ }; do ip -n "$(lab_nsname "$a")" addr add "$x" dev "$ia" nodad 2>/dev/null ||
    ip -n "$(lab_nsname "$a")" addr add "$x" dev "$ia"; done
  for x in ${ab//,/ }; do ip -n "$(lab_nsname "$b")" addr add "$x" dev "$ib" nodad 2>/dev/null ||
    ip -n "$(lab_nsname "$b")" addr add "$x" dev "$ib"; done
  ip -n "$(lab_nsname "$a")" link set "$ia" up
  ip -n "$(lab_nsname "$b")" link set "$ib" up
}

# Starts a long-running process in a namespace in the background; its pid is recorded.
# lab_daemon NAME NS CMD...
lab_daemon() {
  local name=$1 ns=$2
  shift 2
  ip netns exec "$(lab_nsname "$ns")" "$@" >"$LAB_DIR/$name.log" 2>&1 &
  echo $! >"$LAB_DIR/pids/$name"
}

# Every TCP/UDP port of NS's own addresses answers (redirected to `nw_probe serve`), except what
# EXCLUDE (nft statements ending in `return`) keeps for a real server.
_lab_sink() {
  local ns=$1 exclude=${2:-}
  lab_ns "$ns" nft -f - <<EOF
table inet lab {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    fib daddr type != local return
    $exclude
    meta l4proto { tcp, udp } redirect to :$LAB_SINK_PORT
  }
}
EOF
  lab_daemon "sink-$ns" "$ns" "$NW_PROBE" serve --port "$LAB_SINK_PORT"
}

_lab_nat() { # _lab_nat NS OUT_IF [v6]: masquerade what leaves OUT_IF
  local fam=ip
  [[ "${3:-}" == v6 ]] && fam=inet
  lab_ns "$1" nft -f - <<EOF
table $fam labnat {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "$2" masquerade
  }
}
EOF
}

lab_build() {
  lab_find_probe
  local n
  for n in lap home office branch rogue inet gw corp web; do _lab_new_ns "$n"; done
  for n in home office branch rogue inet gw; do _lab_router "$n"; done
  lab_ns lap sysctl -qw net.ipv4.ping_group_range="0 2147483647"

  # The internet: one router, point-to-point links (192.0.2.0/24 carved into /30s).
  _lab_link inet home0 192.0.2.1/30,2001:db8:0:1::1/64 home wan0 192.0.2.2/30,2001:db8:0:1::2/64
  _lab_link inet office0 192.0.2.5/30,2001:db8:0:2::1/64 office wan0 192.0.2.6/30,2001:db8:0:2::2/64
  _lab_link inet web0 192.0.2.9/30,2001:db8:0:3::1/64 web wan0 192.0.2.10/30,2001:db8:0:3::2/64
  _lab_link inet rogue0 192.0.2.13/30 rogue wan0 192.0.2.14/30
  _lab_link inet branch0 192.0.2.17/30 branch wan0 192.0.2.18/30
  _lab_link inet gw0 198.51.100.254/24,2001:db8:5100::fe/64 gw wan0 $LAB_GW_PUB4/24,$LAB_GW2_PUB4/24,$LAB_GW_PUB6/64
  # Unknown destinations vanish silently (a lab router never answers "unreachable": every
  # immediate failure the laptop sees comes from its own firewall).
  lab_ns inet ip route add blackhole default
  lab_ns inet ip -6 route add blackhole default
  lab_ns inet ip route add 203.0.113.0/24 via 192.0.2.10
  lab_ns inet ip -6 route add 2001:db8:113::/64 via 2001:db8:0:3::2
  lab_ns inet ip -6 route add 2001:db8:1::/64 via 2001:db8:0:1::2
  lab_ns inet ip -6 route add 2001:db8:2::/64 via 2001:db8:0:2::2

  # Public servers: the web namespace answers for all of 203.0.113.0/24 and 2001:db8:113::/64
  # (AnyIP local routes): web server, breakout hosts, a public resolver, random targets.
  lab_ns web ip route add default via 192.0.2.9
  lab_ns web ip -6 route add default via 2001:db8:0:3::1
  lab_ns web ip route add local 203.0.113.0/24 dev lo
  lab_ns web ip -6 route add local 2001:db8:113::/64 dev lo
  _lab_sink web 'meta l4proto { tcp, udp } th dport 5201 return'

  # Home router: LAN 192.168.1.0/24 + 2001:db8:1::/64, NAT44, dnsmasq; 192.168.1.128/25 are
  # LAN hosts (AnyIP) that answer on every port.
  lab_ns home ip route add default via 192.0.2.1
  lab_ns home ip -6 route add default via 2001:db8:0:1::1
  lab_ns home ip route add local 192.168.1.128/25 dev lo
  _lab_nat home wan0
  _lab_sink home "ip daddr $LAB_HOME_GW4 meta l4proto { tcp, udp } th dport 53 return"

  # Office router: LAN 10.20.0.0/24 + 2001:db8:2::/64, NAT44, TLS probe server, proxy address.
  lab_ns office ip route add default via 192.0.2.5
  lab_ns office ip -6 route add default via 2001:db8:0:2::1
  lab_ns office ip route add local 10.20.0.128/25 dev lo
  lab_ns office sysctl -qw net.ipv4.ip_nonlocal_bind=1 # s_server binds before lan0 exists
  _lab_nat office wan0
  _lab_sink office "ip daddr $LAB_OFFICE_PROBE4 tcp dport 443 return"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=probe.office.example" \
    -keyout "$LAB_DIR/probe.key" -out "$LAB_DIR/probe.crt" 2>/dev/null
  LAB_PROBE_SHA256=$(openssl x509 -in "$LAB_DIR/probe.crt" -outform DER | sha256sum | cut -d' ' -f1)
  echo "$LAB_PROBE_SHA256" >"$LAB_DIR/probe.sha256"

  # Branch office: LAN 10.30.0.0/16 (trusted by subnet in the lab policy), NAT44.
  lab_ns branch ip route add default via 192.0.2.17
  lab_ns branch ip route add local 10.30.128.0/17 dev lo
  _lab_nat branch wan0
  _lab_sink branch

  # Rogue Wi-Fi: hands the laptop 203.0.113.0/24 and answers for the web server's address itself.
  lab_ns rogue ip route add default via 192.0.2.13
  # ...and for every other address of that /24 except the laptop's (.10): AnyIP local routes.
  local r
  for r in 2/31 4/30 8/31 11/32 12/30 16/28 32/27 64/26 128/25; do
    lab_ns rogue ip route add local "203.0.113.$r" dev lo
  done
  _lab_nat rogue wan0
  _lab_sink rogue

  # WireGuard gateway with the corporate network behind it; NAT for the internet.
  lab_ns gw ip route add default via 198.51.100.254
  lab_ns gw ip -6 route add default via 2001:db8:5100::fe
  _lab_link gw corp0 10.10.0.1/24 corp eth0 $LAB_CORP4/24
  lab_ns corp ip route add default via 10.10.0.1
  lab_ns corp ip route add local 10.10.0.128/25 dev lo
  _lab_sink corp
  _lab_nat gw wan0 v6
  _lab_sink gw "udp dport $LAB_GW_PORT return
    ip daddr $LAB_TUN_GW4 meta l4proto { tcp, udp } th dport 53 return"
  (umask 077 && wg genkey >"$LAB_DIR/gw.key" && wg genkey >"$LAB_DIR/lap.key")
  wg pubkey <"$LAB_DIR/gw.key" >"$LAB_DIR/gw.pub"
  wg pubkey <"$LAB_DIR/lap.key" >"$LAB_DIR/lap.pub"
  _lab_wg_start gw "$LAB_WG_GW"
  lab_ns gw wg set "$LAB_WG_GW" private-key "$LAB_DIR/gw.key" listen-port "$LAB_GW_PORT" \
    peer "$(cat "$LAB_DIR/lap.pub")" allowed-ips "$LAB_TUN_LAP4/32,$LAB_TUN_LAP6/128"
  lab_ns gw ip addr add $LAB_TUN_GW4/24 dev "$LAB_WG_GW"
  lab_ns gw ip addr add $LAB_TUN_GW6/64 dev "$LAB_WG_GW" nodad
  lab_ns gw ip link set "$LAB_WG_GW" up

  # Servers. dnsmasq (home): names the policy uses. openssl s_server (office): the probe target.
  # dnsmasq at home and on the gateway's tunnel address (the VPN's DNS, as wg-quick's DNS=).
  lab_dns home "$LAB_HOME_GW4"
  lab_dns gw "$LAB_TUN_GW4"
  lab_daemon tls office openssl s_server -quiet -www -accept "$LAB_OFFICE_PROBE4:443" \
    -cert "$LAB_DIR/probe.crt" -key "$LAB_DIR/probe.key"

  lab_wait 10 _lab_listening web tcp $LAB_SINK_PORT || lab_die "web sink did not start"
  for n in home office branch rogue corp gw; do
    lab_wait 10 _lab_listening "$n" tcp $LAB_SINK_PORT || lab_die "$n sink did not start"
  done
  lab_log "lab built: $LAB_PREFIX; probe cert sha256 $LAB_PROBE_SHA256"
}

# lab_dns NS LISTEN_ADDR [NAME=ADDR ...]: (re)starts dnsmasq in NS with the lab's names; extra
# NAME=ADDR pairs override them (a spoofing resolver: TunnelCrack ServerIP).
lab_dns() {
  local ns=$1 listen=$2 pair
  shift 2
  local -A names=([vpn.example.net]=$LAB_GW_PUB4 [web.example]=$LAB_WEB4
    [meet.example.com]=$LAB_MEET4 [login.hotspot.example]=$LAB_PORTAL4)
  for pair in "$@"; do names[${pair%%=*}]=${pair#*=}; done
  local args=() name
  for name in "${!names[@]}"; do args+=("--address=/$name/${names[$name]}"); done
  local old
  old=$(cat "$LAB_DIR/pids/dns-$ns" 2>/dev/null || true)
  if [[ -n "$old" ]]; then
    kill -TERM "$old" 2>/dev/null || true
    wait "$old" 2>/dev/null || true
  fi
  lab_daemon "dns-$ns" "$ns" dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-dynamic \
    --listen-address="$listen" --pid-file="$LAB_DIR/dns-$ns.pid" --user=root "${args[@]}"
  # No wait: at home the listen address appears only when the laptop walks in (--bind-dynamic).
}

_lab_listening() { # NS tcp|udp PORT
  lab_ns "$1" ss -Hln"${2:0:1}" "sport = :$3" | grep -q .
}

_lab_wg_start() { # NS IFNAME: wireguard-go in the foreground (so we own its pid) in NS
  local ns=$1 ifname=$2
  lab_daemon "wg-$ns" "$ns" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=error wireguard-go "$ifname"
  lab_wait 10 ip -n "$(lab_nsname "$ns")" link show "$ifname" || lab_die "wireguard-go $ifname did not start"
  lab_wait 10 test -S "/var/run/wireguard/$ifname.sock" || lab_die "no wireguard socket for $ifname"
}

# ---- the laptop walks -----------------------------------------------------------------------

# Gateway / addresses of the laptop on each network.
_lab_net_params() {
  case $1 in
  home) echo "home $LAB_HOME_GW4/24 $LAB_HOME_LAP4/24 $LAB_HOME_GW6/64 $LAB_HOME_LAP6/64" ;;
  office) echo "office $LAB_OFFICE_GW4/24,$LAB_OFFICE_PROBE4/24,$LAB_OFFICE_PROXY4/24 $LAB_OFFICE_LAP4/24 $LAB_OFFICE_GW6/64 $LAB_OFFICE_LAP6/64" ;;
  branch) echo "branch $LAB_BRANCH_GW4/16 $LAB_BRANCH_LAP4/16 - -" ;;
  rogue) echo "rogue $LAB_ROGUE_GW4/24,$LAB_WEB4/24 $LAB_ROGUE_LAP4/24 - -" ;;
  *) return 1 ;;
  esac
}

# lab_walk home|office|rogue|none: the laptop's eth0 is re-created with its peer (lan0) in the
# chosen network's router, as when Wi-Fi roams; addresses, default routes and resolv.conf follow.
lab_walk() {
  local net=$1 router rnet lap4 rnet6 lap6 x
  ip -n "$LAB_LAP" link del eth0 2>/dev/null || true
  LAB_NET=none
  mkdir -p "/etc/netns/$LAB_LAP"
  echo "# netwarden lab: no network" >"/etc/netns/$LAB_LAP/resolv.conf"
  [[ "$net" == none ]] && {
    lab_log "laptop: no network"
    return 0
  }
  read -r router rnet lap4 rnet6 lap6 <<<"$(_lab_net_params "$net")" || lab_die "unknown network $net"
  local addrs_r=$rnet addrs_l=$lap4
  [[ "$rnet6" != - ]] && addrs_r+=",$rnet6" && addrs_l+=",$lap6"
  ip -n "$(lab_nsname "$router")" link del lan0 2>/dev/null || true
  _lab_link lap eth0 "$addrs_l" "$router" lan0 "$addrs_r"
  LAB_NET=$net
  LAB_NET_GW4=${rnet%%/*}
  LAB_NET_GW6=
  ip -n "$LAB_LAP" route add default via "$LAB_NET_GW4" dev eth0
  if [[ "$rnet6" != - ]]; then
    LAB_NET_GW6=${rnet6%%/*}
    ip -n "$LAB_LAP" -6 route add default via "$LAB_NET_GW6" dev eth0
  fi
  _lab_resolv
  if [[ "$LAB_TUNNEL" == up ]]; then
    _lab_tunnel_routes
    # wireguard-go (0.0.20220316) keeps the old source address of the endpoint ("sticky
    # socket") and fails with ENETUNREACH after a roam; setting the endpoint again clears it.
    lab_ns lap wg set "$LAB_WG_LAP" peer "$(cat "$LAB_DIR/gw.pub")" endpoint "$LAB_GW_PUB4:$LAB_GW_PORT"
  fi
  lab_log "laptop walked to $net ($lap4)"
  # Neighbour entries are resolved lazily; one ping from the router fills both sides.
  x=${lap4%%/*}
  lab_ns "$router" ping -c1 -W2 "$x" >/dev/null 2>&1 || true
}

# The laptop's resolver: the VPN's DNS while the tunnel is up, else the home router's.
_lab_resolv() {
  local conf=/etc/netns/$LAB_LAP/resolv.conf
  mkdir -p "/etc/netns/$LAB_LAP"
  if [[ "$LAB_TUNNEL" == up ]]; then
    echo "nameserver $LAB_TUN_GW4" >"$conf"
  elif [[ "$LAB_NET" == home ]]; then
    echo "nameserver $LAB_HOME_GW4" >"$conf"
  else
    echo "# netwarden lab: no resolver on $LAB_NET" >"$conf"
  fi
}

# ---- the tunnel -----------------------------------------------------------------------------

_lab_tunnel_routes() {
  # Host route to the gateway via the physical link, then the full tunnel (0/1 + 128/1).
  ip -n "$LAB_LAP" route replace "$LAB_GW_PUB4/32" via "$LAB_NET_GW4" dev eth0
}

lab_tunnel_up() {
  [[ "$LAB_TUNNEL" == up ]] && return 0
  _lab_wg_start lap "$LAB_WG_LAP"
  lab_ns lap wg set "$LAB_WG_LAP" private-key "$LAB_DIR/lap.key" \
    peer "$(cat "$LAB_DIR/gw.pub")" endpoint "$LAB_GW_PUB4:$LAB_GW_PORT" allowed-ips 0.0.0.0/0,::/0
  lab_ns lap ip addr add "$LAB_TUN_LAP4/32" dev "$LAB_WG_LAP"
  lab_ns lap ip addr add "$LAB_TUN_LAP6/128" dev "$LAB_WG_LAP" nodad
  lab_ns lap ip link set "$LAB_WG_LAP" up
  [[ "$LAB_NET" != none ]] && _lab_tunnel_routes
  local r
  for r in 0.0.0.0/1 128.0.0.0/1; do lab_ns lap ip route add "$r" dev "$LAB_WG_LAP"; done
  for r in ::/1 8000::/1; do lab_ns lap ip -6 route add "$r" dev "$LAB_WG_LAP"; done
  LAB_TUNNEL=up
  _lab_resolv
  lab_log "tunnel $LAB_WG_LAP up (endpoint $LAB_GW_PUB4:$LAB_GW_PORT)"
}

# True once a handshake with the gateway completed (needs traffic, e.g. a ping through it).
lab_tunnel_handshake() {
  local t
  t=$(lab_ns lap wg show "$LAB_WG_LAP" latest-handshakes 2>/dev/null | awk '{print $2}')
  [[ -n "$t" && "$t" != 0 ]]
}

lab_tunnel_down() {
  [[ "$LAB_TUNNEL" == up ]] || return 0
  local pid
  pid=$(cat "$LAB_DIR/pids/wg-lap" 2>/dev/null || true)
  [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null
  lab_wait 10 bash -c "! ip -n $LAB_LAP link show $LAB_WG_LAP" || ip -n "$LAB_LAP" link del "$LAB_WG_LAP" 2>/dev/null || true
  [[ -n "$pid" ]] && wait "$pid" 2>/dev/null
  rm -f "$LAB_DIR/pids/wg-lap"
  ip -n "$LAB_LAP" route del "$LAB_GW_PUB4/32" 2>/dev/null || true
  LAB_TUNNEL=down
  _lab_resolv
  lab_log "tunnel down"
}

# ---- a VM / container behind the laptop ------------------------------------------------------

# lab_vm_up: namespace "vm" (172.31.0.2/24, fd00:31::2/64) behind the laptop's vm0, which routes
# and masquerades for it as libvirt or docker would (their own nft table, in the laptop).
lab_vm_up() {
  _lab_new_ns vm
  _lab_link lap vm0 172.31.0.1/24,fd00:31::1/64 vm eth0 172.31.0.2/24,fd00:31::2/64
  lab_ns vm ip route add default via 172.31.0.1
  lab_ns vm ip -6 route add default via fd00:31::1
  lab_ns vm sysctl -qw net.ipv4.ping_group_range="0 2147483647"
  _lab_router lap
  lab_ns lap nft -f - <<EOF
table inet labvm {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    iifname "vm0" oifname != "vm0" masquerade
  }
}
EOF
}

# lab_vm_probe < flows: nw_probe inside the VM.
lab_vm_probe() { ip netns exec "$(lab_nsname vm)" "$NW_PROBE" "$@"; }

# ---- situation, probing ---------------------------------------------------------------------

# lab_situation FILE [verified NETWORK ...]: the situation YAML of the laptop's current state:
# its interfaces and global addresses, the verified trusted networks (on eth0), the lab's DNS
# answers, the DNS resolvers it was given; LAB_PORTAL_WINDOW=true adds portal_window_open.
lab_situation() {
  local file=$1
  shift
  {
    echo "# generated by tests/lab/lib.sh for lab $LAB_PREFIX (laptop on: $LAB_NET, tunnel: $LAB_TUNNEL)"
    echo "interfaces:"
    local ifname
    for ifname in $(ip -n "$LAB_LAP" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v '^lo$'); do
      local addrs
      addrs=$(ip -n "$LAB_LAP" -o addr show dev "$ifname" scope global | awk '{print $4}' |
        sed 's/.*/"&"/' | paste -sd, - | sed 's/,/, /g')
      echo "  - name: $ifname"
      echo "    addresses: [$addrs]"
    done
    if [[ "${1:-}" == verified && $# -gt 1 ]]; then
      shift
      echo "verified_trusted:"
      local n
      for n in "$@"; do
        echo "  - network: $n"
        echo "    interface: eth0"
      done
    else
      echo "verified_trusted: []"
    fi
    echo "resolved:"
    echo "  vpn.example.net: [${LAB_RESOLVED_VPN:-$LAB_GW_PUB4}]"
    echo "  meet.example.com: [$LAB_MEET4]"
    echo "  login.hotspot.example: [$LAB_PORTAL4]"
    [[ -n "${LAB_PORTAL_WINDOW:-}" ]] && echo "portal_window_open: $LAB_PORTAL_WINDOW"
    echo "dns_resolvers: [$(awk '/^nameserver/ {print $2}' "/etc/netns/$LAB_LAP/resolv.conf" | paste -sd, - | sed 's/,/, /g')]"
  } >"$file"
}

# lab_policy FILE [lan private|none]: the lab's policy (tests/lab/policy.yaml with the probe
# server's real certificate hash filled in).
lab_policy() {
  local file=$1 lan=${2:-private}
  sed -e "s/@PROBE_SHA256@/$(cat "$LAB_DIR/probe.sha256")/" -e "s/^\(  lan:\).*/\1 $lan/" \
    "$LAB_SRC_DIR/tests/lab/policy.yaml" >"$file"
}

# lab_breakout_ports FILE: the lab policy's two breakout entries name their ports instead of
# opening everything: 203.0.113.0/28 tcp 443, meet.example.com udp 3478-3481.
lab_breakout_ports() {
  sed -i -e 's|^    - cidr: 203.0.113.0/28$|    - {cidr: 203.0.113.0/28, protocol: tcp, ports: [443]}|' \
    -e 's|^    - host: meet.example.com .*$|    - {host: meet.example.com, protocol: udp, ports: [3478-3481]}|' "$1"
  if ! grep -q 'ports: \[443\]' "$1" || ! grep -q 'ports: \[3478-3481\]' "$1"; then
    lab_die "could not rewrite the breakout list of the lab policy"
  fi
}

# lab_probe [nw_probe options] < "PROTO DST PORT UID" lines: verdicts measured in the laptop.
lab_probe() { ip netns exec "$LAB_LAP" "$NW_PROBE" "$@"; }

# One flow: lab_probe1 tcp 203.0.113.80 80 [uid] → prints the verdict line
lab_probe1() { echo "$1 $2 $3 ${4:-0}" | lab_probe; }

# The laptop's output interface for DST (as the kernel routes it now).
lab_oif() {
  local route
  route=$(ip -n "$LAB_LAP" route get "$1" 2>/dev/null) || return 0 # unroutable: empty
  sed -n 's/.* dev \([^ ]*\).*/\1/p' <<<"$route" | head -1
}

# Reads the WireGuard gateway's certificate hash of the office TLS probe, from the laptop, the way
# an agent does it (TLS handshake to the probe URL, SHA-256 of the DER certificate).
lab_office_probe_sha256() {
  lab_ns lap timeout 10 openssl s_client -connect "$LAB_OFFICE_PROBE4:443" </dev/null 2>/dev/null |
    openssl x509 -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1
}

# ---- captures -------------------------------------------------------------------------------

# lab_capture_start NAME NS IFACE [FILTER]: tcpdump -w into the state dir, returns once listening.
lab_capture_start() {
  local name=$1 ns=$2 ifname=$3 filter=${4:-}
  # shellcheck disable=SC2086
  ip netns exec "$(lab_nsname "$ns")" tcpdump -i "$ifname" -n -U --immediate-mode -w "$LAB_DIR/cap/$name.pcap" $filter \
    >"$LAB_DIR/cap/$name.log" 2>&1 &
  echo $! >"$LAB_DIR/pids/cap-$name"
  lab_wait 10 grep -q "listening on" "$LAB_DIR/cap/$name.log" || lab_die "capture $name did not start"
}

lab_capture_stop() {
  local name=$1 pid
  pid=$(cat "$LAB_DIR/pids/cap-$name" 2>/dev/null) || return 0
  sleep 0.3 # let in-flight packets reach the capture
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$LAB_DIR/pids/cap-$name"
}

# lab_capture_read NAME [FILTER]: the captured packets (text), optionally filtered.
lab_capture_read() {
  local name=$1
  shift
  # shellcheck disable=SC2068
  tcpdump -r "$LAB_DIR/cap/$name.pcap" -n $@ 2>/dev/null
}

lab_capture_count() { lab_capture_read "$@" | wc -l; }

# ---- test helpers ---------------------------------------------------------------------------

LAB_FAILS=0
LAB_CHECKS=0
lab_check() { # lab_check DESCRIPTION EXPECTED ACTUAL: EXPECTED is a prefix of ACTUAL's first word
  local what=$1 want=$2 got=$3
  LAB_CHECKS=$((LAB_CHECKS + 1))
  if [[ "${got%% *}" == "$want" ]]; then
    printf '  ok    %-62s %s\n' "$what" "$got"
  else
    printf '  FAIL  %-62s want %s, got: %s\n' "$what" "$want" "$got"
    LAB_FAILS=$((LAB_FAILS + 1))
  fi
}

lab_summary() {
  if ((LAB_FAILS > 0)); then
    echo "FAILED: $LAB_FAILS of $LAB_CHECKS checks"
    return 1
  fi
  echo "PASSED: $LAB_CHECKS checks"
}
