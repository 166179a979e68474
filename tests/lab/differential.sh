#!/usr/bin/env bash
# Lab test: the kernel's verdict equals the reference decision function, flow by flow.
#   usage: differential.sh NETWARDEN_BINARY        (NW_SEED=N to replay a run, NW_FLOWS=N per situation)
# For several situations (home untrusted, captive-portal window open, tunnel up, lan private vs
# none, office verified and not, a branch office trusted by its subnet, a rogue network, breakouts
# that name their ports) it draws random flows (TCP/UDP/ICMP, IPv4/IPv6, public, gateway, LAN,
# corporate and breakout destinations, DNS/proxy/gateway/random ports, uid 0 or 65534), and:
#   1. measures each flow in the laptop namespace with netwarden's ruleset applied (nw_probe:
#      allow / reject / timeout);
#   2. asks `netwarden explain --batch` (output interface from `ip route get`, as the kernel
#      routes the flow now);
#   3. measures the flow again without any ruleset: only flows the lab can carry (baseline
#      "allow") are compared, so a lab limitation is never mistaken for a verdict.
# Every compared flow must agree on allow/reject; a timeout under the ruleset is a mismatch too
# (blocked traffic must be rejected, not dropped).
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/lib.sh"

SEED=${NW_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
FLOWS=${NW_FLOWS:-45}
echo "differential: seed $SEED ($FLOWS random + 41 fixed flows per situation; replay with NW_SEED=$SEED)"
RANDOM=$SEED

lab_init df
lab_build

pick() { # pick WORD...: one of the arguments
  local a=("$@")
  echo "${a[RANDOM % ${#a[@]}]}"
}

random_dst() {
  local r=$((RANDOM % 100))
  if ((r < 25)); then
    echo "203.0.113.$((RANDOM % 254 + 1))"
  elif ((r < 37)); then
    pick $LAB_WEB4 $LAB_BREAKOUT4 203.0.113.15 203.0.113.16 $LAB_MEET4 $LAB_PORTAL4 $LAB_PUBDNS4
  elif ((r < 47)); then
    pick $LAB_WEB6 "2001:db8:113::$(printf %x $((RANDOM % 65535 + 1)))" 2001:db8:113::5
  elif ((r < 52)); then
    pick $LAB_GW_PUB4 $LAB_GW2_PUB4
  elif ((r < 62)); then
    pick $LAB_HOME_GW4 "192.168.1.$((RANDOM % 127 + 128))"
  elif ((r < 72)); then
    pick $LAB_OFFICE_GW4 $LAB_OFFICE_PROBE4 $LAB_OFFICE_PROXY4 "10.20.0.$((RANDOM % 127 + 128))"
  elif ((r < 82)); then
    pick $LAB_CORP4 "10.10.0.$((RANDOM % 127 + 128))" $LAB_TUN_GW4 $LAB_BRANCH_GW4 "10.30.$((RANDOM % 128 + 128)).$((RANDOM % 254 + 1))"
  elif ((r < 90)); then
    pick $LAB_HOME_GW6 $LAB_OFFICE_GW6 $LAB_TUN_GW6
  else
    pick 203.0.113.1 203.0.113.10 $LAB_WEB4
  fi
}

random_flow() {
  local dst proto port uid r
  dst=$(random_dst)
  r=$((RANDOM % 100))
  if ((r < 45)); then proto=tcp; elif ((r < 85)); then proto=udp; else proto=icmp; fi
  case $((RANDOM % 10)) in
  0) port=53 ;;
  1) port=853 ;;
  2) port=80 ;;
  3) port=443 ;;
  4) port=3128 ;;
  5) port=$LAB_GW_PORT ;;
  6) port=22 ;;
  *) port=$((RANDOM % 65535 + 1)) ;;
  esac
  [[ $proto == icmp ]] && port=0
  uid=$(pick 0 65534)
  echo "$proto $dst $port $uid"
}

# Flows every situation measures besides the random ones: each rule's edges (resolver uid,
# proxy port, captive portal ports, the root-only TCP gateway endpoint, DNS-over-TLS, ...).
FIXED_FLOWS="udp $LAB_HOME_GW4 53 0
udp $LAB_HOME_GW4 53 65534
tcp $LAB_HOME_GW4 53 0
tcp $LAB_TUN_GW4 53 65534
udp $LAB_PUBDNS4 53 0
tcp $LAB_PUBDNS4 853 0
tcp $LAB_OFFICE_PROXY4 3128 65534
tcp $LAB_OFFICE_PROXY4 3129 65534
udp $LAB_OFFICE_PROXY4 3128 65534
tcp $LAB_PORTAL4 80 65534
tcp $LAB_PORTAL4 443 0
tcp $LAB_PORTAL4 8080 0
udp $LAB_PORTAL4 443 0
tcp $LAB_GW2_PUB4 443 0
tcp $LAB_GW2_PUB4 443 65534
udp $LAB_GW2_PUB4 443 0
tcp $LAB_GW_PUB4 $LAB_GW_PORT 0
icmp $LAB_GW_PUB4 0 0
tcp $LAB_BREAKOUT4 80 65534
icmp 203.0.113.15 0 65534
icmp 203.0.113.16 0 65534
tcp $LAB_MEET4 443 65534
tcp $LAB_WEB4 80 65534
udp $LAB_WEB4 5000 0
icmp $LAB_WEB4 0 65534
tcp $LAB_WEB6 443 0
icmp $LAB_WEB6 0 0
tcp $LAB_CORP4 22 65534
icmp $LAB_HOME_GW4 0 65534
tcp $LAB_OFFICE_PROBE4 443 65534
tcp $LAB_OFFICE_PROBE4 443 0
tcp 203.0.113.200 80 65534
tcp 203.0.113.201 443 0
tcp $LAB_BREAKOUT4 443 65534
tcp $LAB_BREAKOUT4 444 65534
udp $LAB_BREAKOUT4 443 65534
udp $LAB_MEET4 3477 65534
udp $LAB_MEET4 3478 65534
udp $LAB_MEET4 3481 0
udp $LAB_MEET4 3482 65534
tcp $LAB_MEET4 3479 65534"

POLICY=$LAB_DIR/policy.yaml
SIT=$LAB_DIR/situation.yaml
TOTAL=0
COMPARED=0
MISMATCHES=0
declare -A BY_RULE=()

# run_situation NAME NETWORK TUNNEL(up|down) LAN(private|none) [VERIFIED_NETWORK]
run_situation() {
  local name=$1 net=$2 tun=$3 lan=$4 verified=${5:-}
  local dir=$LAB_DIR/$name
  mkdir -p "$dir"
  echo "== situation $name: network $net, tunnel $tun, lan $lan${verified:+, verified $verified}"
  lab_ns lap "$NETWARDEN" flush --pin "$LAB_DIR/pins" --threat-cache "$LAB_DIR/threats" >/dev/null 2>&1 || true
  [[ "$tun" == down ]] && lab_tunnel_down
  [[ "$LAB_NET" != "$net" ]] && lab_walk "$net"
  if [[ "$tun" == up ]]; then
    lab_tunnel_up
    lab_wait 30 bash -c "echo 'icmp $LAB_TUN_GW4 0 0' | ip netns exec $LAB_LAP $NW_PROBE --timeout-ms 1000 | grep -q ^allow" ||
      lab_die "tunnel does not carry traffic"
  fi
  lab_policy "$POLICY" "$lan"
  [[ -n "${BREAKOUT_PORTS:-}" ]] && lab_breakout_ports "$POLICY"
  if [[ -n "$verified" ]]; then lab_situation "$SIT" verified "$verified"; else lab_situation "$SIT"; fi
  cp "$POLICY" "$SIT" "$dir/"

  # Flows and their output interfaces (unroutable flows are skipped: no interface to ask about).
  local i flow dst oif
  : >"$dir/flows"
  : >"$dir/batch"
  local all
  all=$(echo "$FIXED_FLOWS"; for ((i = 0; i < FLOWS; i++)); do random_flow; done)
  while read -r flow; do
    read -r _ dst _ _ <<<"$flow"
    oif=$(lab_oif "$dst")
    [[ -z "$oif" ]] && continue
    echo "$flow" >>"$dir/flows"
    read -r p d port uid <<<"$flow"
    echo "$p $d $port $oif $uid" >>"$dir/batch"
  done <<<"$all"

  lab_ns lap "$NETWARDEN" apply "$POLICY" --situation "$SIT" >"$dir/apply.log" 2>&1 ||
    { cat "$dir/apply.log"; lab_die "apply failed in situation $name"; }
  lab_probe --timeout-ms 2500 <"$dir/flows" >"$dir/kernel"
  "$NETWARDEN" explain "$POLICY" --situation "$SIT" --batch "$dir/batch" >"$dir/expected" ||
    lab_die "explain --batch failed in situation $name"
  lab_ns lap "$NETWARDEN" flush --pin "$LAB_DIR/pins" --threat-cache "$LAB_DIR/threats" >/dev/null
  lab_probe --timeout-ms 2500 <"$dir/flows" >"$dir/baseline"

  local n_flows n_exp n_ker n_base
  n_flows=$(wc -l <"$dir/flows")
  n_exp=$(wc -l <"$dir/expected")
  n_ker=$(wc -l <"$dir/kernel")
  n_base=$(wc -l <"$dir/baseline")
  # shellcheck disable=SC2055  # any count differing from the flows is an error
  if [[ "$n_flows" != "$n_exp" || "$n_flows" != "$n_ker" || "$n_flows" != "$n_base" ]]; then
    lab_die "line counts differ: flows $n_flows, explain $n_exp, kernel $n_ker, baseline $n_base"
  fi

  local batch expected kernel baseline compared=0 skipped=0 bad=0 want rule got
  while IFS=$'\t' read -r batch expected kernel baseline; do
    TOTAL=$((TOTAL + 1))
    if [[ "${baseline%% *}" != allow ]]; then
      skipped=$((skipped + 1))
      continue
    fi
    compared=$((compared + 1))
    read -r want rule _ <<<"$expected"
    got=${kernel%% *}
    BY_RULE[$rule]=$((${BY_RULE[$rule]:-0} + 1))
    if [[ "$got" != "$want" ]]; then
      bad=$((bad + 1))
      printf '  MISMATCH  %-44s explain: %-28s kernel: %s\n' "$batch" "$expected" "$kernel"
    fi
  done < <(paste "$dir/batch" "$dir/expected" "$dir/kernel" "$dir/baseline")
  COMPARED=$((COMPARED + compared))
  MISMATCHES=$((MISMATCHES + bad))
  echo "   $n_flows flows: $compared compared, $skipped not carried by the lab without a ruleset, $bad mismatches"
}

run_situation home-untrusted home down private
run_situation home-lan-none home down none
LAB_PORTAL_WINDOW=true run_situation home-portal-window home down none
run_situation home-tunnel home up private
run_situation home-tunnel-lan-none home up none
run_situation office-unverified office down none
run_situation office-verified office down none office
run_situation branch-subnet-trusted branch down none
run_situation rogue-untrusted rogue down private
run_situation rogue-tunnel rogue up private
BREAKOUT_PORTS=1 run_situation home-breakout-ports home down none

echo "rules exercised (compared flows):"
for rule in $(printf '%s\n' "${!BY_RULE[@]}" | sort); do printf '   %-16s %d\n' "$rule" "${BY_RULE[$rule]}"; done
echo "differential: seed $SEED: $TOTAL flows, $COMPARED compared, $MISMATCHES mismatches"
if ((COMPARED < TOTAL / 2)); then
  echo "FAILED: fewer than half the flows could be compared (lab problem?)"
  exit 1
fi
if ((MISMATCHES > 0)); then
  echo "FAILED: the kernel and netwarden explain disagree (replay: NW_SEED=$SEED)"
  exit 1
fi
echo "PASSED"
