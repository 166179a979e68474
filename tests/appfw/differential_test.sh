#!/usr/bin/env bash
# Differential: random policies and random (program, user, protocol, destination, port) flows;
# the kernel's verdict (EPERM or not, from our BPF programs) must equal `netwarden explain`'s.
# NW_SEED=N replays a run; NW_FLOWS sets the number of flows per round (default 120).
source "$(dirname "$0")/lib.sh"

seed=${NW_SEED:-$RANDOM}
flows=${NW_FLOWS:-120}
echo "differential: seed $seed"
chmod 755 "$work" "$work/bin"
for p in p0 p1 p2 p3; do program "$p" > /dev/null; done

for round in 1 2; do
  python3 - "$seed" "$round" "$work" "$flows" <<'PY'
import random, sys
seed, round_, work, flows = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
rng = random.Random(seed * 10 + round_)
nets = ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3", "192.0.2.0/24", "fd00::/16",
        "fd00:1::/32", "fd00:1::5", "0.0.0.0/0"]
hosts = ["10.1.2.3", "10.1.2.9", "10.1.9.9", "10.9.9.9", "192.0.2.1", "198.51.100.1",
         "fd00:1::5", "fd00:1::9", "fd00:9::1", "2001:db8::1"]
ports = [53, 80, 443, 8080]
programs = [f"{work}/bin/p{i}" for i in range(4)]
lines = ["version: 1", "apps:",
         f"  default: {rng.choice(['allow', 'deny'])}", "  rules:"]
for i in range(rng.randint(4, 14)):
    rule = [f"    - name: r{i}", f"      program: {rng.choice(programs[1:])}",
            f"      action: {rng.choice(['allow', 'deny'])}"]
    proto = rng.choice(["tcp", "udp", "any", None])
    if proto: rule.append(f"      protocol: {proto}")
    if rng.random() < 0.7:
        rule.append("      remote: [" + ", ".join(f'"{n}"' for n in rng.sample(nets, rng.randint(1, 2))) + "]")
    if rng.random() < 0.6:
        rule.append("      ports: [" + ", ".join(str(p) for p in rng.sample(ports, rng.randint(1, 2))) + "]")
    if rng.random() < 0.3:
        rule.append(f"      user: {rng.choice([0, 65534])}")
    lines += rule
open(f"{work}/policy.yaml", "w").write("\n".join(lines) + "\n")
with open(f"{work}/flows", "w") as out:
    for _ in range(flows):
        out.write(f"{rng.choice(programs)} {rng.choice([0, 65534])} {rng.choice(['tcp', 'udp'])} "
                  f"{rng.choice(hosts)} {rng.choice(ports + [9999])}\n")
PY
  appfw_apply "$work/policy.yaml" > "$work/apply.out" 2>&1 || fail "apply: $(cat "$work/apply.out")"
  mismatches=0; denies=0
  # Kernel: one probe process per (program, uid) group, flows in file order.
  : > "$work/kernel"
  while read -r path uid proto dst port; do
    verdict=$(echo "$proto $dst $port" | in_cgroup "$path" batch --uid "$uid")
    expected=$("$netwarden" explain "$work/policy.yaml" --program "$path" --user "$uid" \
      --proto "$proto" --dst "$dst" --port "$port")
    [[ $verdict == deny ]] && denies=$((denies + 1))
    if [[ "${expected%% *}" != "$verdict" ]]; then
      echo "MISMATCH $path uid=$uid $proto $dst $port: kernel $verdict, explain $expected" >&2
      mismatches=$((mismatches + 1))
    fi
  done < "$work/flows"
  [[ $mismatches -eq 0 ]] || { cat "$work/policy.yaml" >&2; fail "$mismatches mismatches (seed $seed round $round)"; }
  echo "round $round: $flows flows agree ($denies refused)"
done
echo "appfw differential: ok"
