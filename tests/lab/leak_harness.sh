#!/usr/bin/env bash
# Lab test: general leak harness (after Mullvad's tunnel-state tests).
#   usage: leak_harness.sh NETWARDEN_BINARY
# In every state (untrusted network, tunnel connecting (gateway unreachable), tunnel connected,
# roaming between networks with the tunnel up, trusted office as the control), the laptop (as
# root and as an ordinary user) and a VM/container behind it (forwarded + masqueraded by the
# laptop, as libvirt/docker do: netwarden's forward chain must hold) send TCP, UDP and ICMP to
# public addresses, a public resolver's port 53 and IPv6; a capture on the laptop's physical link
# must show none of those packets in plaintext. In the control state it must show them.
set -euo pipefail
NETWARDEN=$(readlink -f "${1:?usage: $0 NETWARDEN_BINARY}")
source "$(dirname "$0")/lib.sh"

lab_init lh
lab_build
lab_vm_up
POLICY=$LAB_DIR/policy.yaml
SIT=$LAB_DIR/situation.yaml
lab_policy "$POLICY" private

apply() {
  lab_situation "$SIT" "$@"
  lab_ns lap "$NETWARDEN" apply "$POLICY" --situation "$SIT" >"$LAB_DIR/apply.log" 2>&1 ||
    { cat "$LAB_DIR/apply.log"; lab_die "apply failed"; }
}

FORBIDDEN4="$LAB_WEB4 203.0.113.200 $LAB_PUBDNS4 $LAB_GW2_PUB4"
FORBIDDEN6="$LAB_WEB6 2001:db8:113::200"
flows() { # the flows for one uid
  local h
  for h in $FORBIDDEN4 $FORBIDDEN6; do
    echo "tcp $h 80 $1"
    echo "udp $h 5000 $1"
    echo "icmp $h 0 $1"
  done
  echo "udp $LAB_PUBDNS4 53 $1"
  echo "tcp $LAB_PUBDNS4 53 $1"
}
FLOWS=$(flows 0; flows 65534)
VM_FLOWS=$(flows 0)
PLAIN="(ip and ($(for h in $FORBIDDEN4; do printf 'dst host %s or ' "$h"; done | sed 's/ or $//'))) or (ip6 and ($(for h in $FORBIDDEN6; do printf 'dst host %s or ' "$h"; done | sed 's/ or $//'))) or src net 172.31.0.0/24"

# state NAME WANT(reject|allow|any) EXPECT_PLAIN(0|some): probe from laptop and VM, check the link.
state() {
  local name=$1 want=$2 plain_want=$3
  echo "== $name"
  lab_capture_start "$name" lap eth0
  lab_probe --timeout-ms 1500 <<<"$FLOWS" >"$LAB_DIR/$name.lap"
  lab_vm_probe --timeout-ms 1500 <<<"$VM_FLOWS" >"$LAB_DIR/$name.vm"
  lab_capture_stop "$name"
  if [[ "$want" != any ]]; then
    local bad
    bad=$(paste -d' ' <(echo "$FLOWS") "$LAB_DIR/$name.lap" | awk -v w="$want" '$5 != w' | head -3)
    lab_check "laptop: all $(wc -l <<<"$FLOWS") flows $want" "none" "${bad:-none}"
    # The kernel rate-limits the ICMP errors a forward-chain reject sends to the VM (icmp_ratelimit,
    # per destination host), so some blocked VM flows time out instead: blocked = not allowed.
    if [[ "$want" == reject ]]; then
      bad=$(paste -d' ' <(echo "$VM_FLOWS") "$LAB_DIR/$name.vm" | awk '$5 == "allow"' | head -3)
      lab_check "VM behind the laptop: all $(wc -l <<<"$VM_FLOWS") flows blocked" "none" "${bad:-none}"
    else
      bad=$(paste -d' ' <(echo "$VM_FLOWS") "$LAB_DIR/$name.vm" | awk -v w="$want" '$5 != w' | head -3)
      lab_check "VM behind the laptop: all $(wc -l <<<"$VM_FLOWS") flows $want" "none" "${bad:-none}"
    fi
  fi
  local n
  n=$(lab_capture_count "$name" "$PLAIN")
  if [[ "$plain_want" == 0 ]]; then
    lab_check "physical link: no plaintext to the public targets" "0" "$n$( ((n)) && lab_capture_read "$name" "$PLAIN" | head -3 | sed 's/^/ | /')"
  else
    lab_check "physical link: plaintext to the public targets (control)" "some" "$( ((n > 0)) && echo some || echo none) ($n packets)"
  fi
}

lab_walk home
apply
state untrusted-home reject 0

# Tunnel connecting: the gateway's port is unreachable (dropped on the internet router), so the
# handshake never completes; the tunnel interface exists and is in the situation.
lab_ns inet nft -f - <<'EOF'
table inet labblock {
  chain forward_block {
    type filter hook forward priority 0; policy accept;
    udp dport 51820 drop
  }
}
EOF
lab_tunnel_up
apply
state tunnel-connecting any 0
lab_check "no handshake while the gateway is unreachable" "no" "$(lab_tunnel_handshake && echo yes || echo no)"
lab_ns inet nft delete table inet labblock
lab_wait 30 bash -c "echo 'icmp $LAB_TUN_GW4 0 0' | ip netns exec $LAB_LAP $NW_PROBE --timeout-ms 1000 | grep -q ^allow" ||
  lab_die "the tunnel did not come up once the gateway was reachable"
state tunnel-connected allow 0

# Roaming with the tunnel up; the agent re-applies after each move.
for net in office rogue home; do
  lab_walk "$net"
  apply
  lab_wait 30 bash -c "echo 'icmp $LAB_TUN_GW4 0 0' | ip netns exec $LAB_LAP $NW_PROBE --timeout-ms 1000 | grep -q ^allow" ||
    lab_die "the tunnel did not carry traffic after the walk to $net"
  # On the rogue network 203.0.113.0/24 is on-link: those flows are rejected, the rest tunnelled.
  state "roamed-to-$net" any 0
done

lab_tunnel_down
lab_walk office
apply verified office
state trusted-office allow some

lab_summary
