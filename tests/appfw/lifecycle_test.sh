#!/usr/bin/env bash
# Survives upgrades and crashes:
#  - a rule's program that does not exist yet is enforced once it appears;
#  - the binary replaced while the agent watches (new file renamed over the old): the rule still
#    applies to the new binary;
#  - the agent killed (SIGKILL): pinned links keep the rules in force;
#  - a restart adopts the pinned programs and maps (no second attachment) and switches to the
#    new policy atomically.
source "$(dirname "$0")/lib.sh"

app="$work/bin/app"   # does not exist yet
later="$work/later/tool"
cat > "$work/policy.yaml" <<YAML
version: 1
vpn:
  gateways: []
apps:
  default: allow
  rules:
    - name: app-no-web
      program: $app
      protocol: tcp
      ports: [80]
      action: deny
    - name: later-no-web
      program: $later
      protocol: tcp
      ports: [80]
      action: deny
YAML
spawn "$work/server.out" ip netns exec "$ns" "$probe" serve 80 --seconds 60
wait_for "$work/server.out" listening

spawn "$work/agent.out" "$netwarden" appfw apply "$work/policy.yaml" --cgroup "$cg" --pin "$pin" \
  --watch --rescan-ms 5000
agent=$!
wait_for "$work/agent.out" "waiting for $app"

# The program appears (inotify on its directory), then is replaced by an upgrade.
cp "$probe" "$work/bin/.app.new" && mv "$work/bin/.app.new" "$app"
wait_for "$work/agent.out" "re-resolved $app"
expect eperm "$(in_cgroup "$app" connect tcp 10.0.0.1 80)" "new program"
old_inode=$(stat -c %i "$app")
cp "$probe" "$work/bin/.app.new" && mv "$work/bin/.app.new" "$app"
[[ $(stat -c %i "$app") != "$old_inode" ]] || fail "the upgrade kept the inode"
for _ in $(seq 50); do [[ $(grep -c "re-resolved $app" "$work/agent.out") -ge 2 ]] && break; sleep 0.1; done
expect eperm "$(in_cgroup "$app" connect tcp 10.0.0.1 80)" "upgraded program"
# A missing directory on the way: the nearest existing ancestor is watched.
mkdir -p "$work/later" && cp "$probe" "$later"
wait_for "$work/agent.out" "re-resolved $later"
expect eperm "$(in_cgroup "$later" connect tcp 10.0.0.1 80)" "program in a new directory"

# The agent dies: enforcement stays (links and maps are pinned).
kill -9 "$agent"; wait "$agent" 2>/dev/null || true
expect eperm "$(in_cgroup "$app" connect tcp 10.0.0.1 80)" "after the agent was killed"
links_before=$(bpftool cgroup show "$cg" | grep -c nw_ || true)
expect 8 "$links_before" "programs attached"

# Restart with a new policy: adopts the pins, one attachment per hook, generation 2.
sed -i 's/ports: \[80\]/ports: [81]/' "$work/policy.yaml"
out=$(appfw_apply "$work/policy.yaml" 2>&1)
expect_has "updated app firewall generation 2" "$out" "restart adopts"
expect 8 "$(bpftool cgroup show "$cg" | grep -c nw_ || true)" "programs attached after restart"
expect connected "$(in_cgroup "$app" connect tcp 10.0.0.1 80)" "port 80 allowed by the new policy"
expect eperm "$(in_cgroup "$app" connect tcp 10.0.0.1 81)" "port 81 refused by the new policy"
status=$("$netwarden" appfw status --pin "$pin")
expect_has "generation 2, default allow" "$status" "status"
expect_has "rule entries" "$status" "status counts"

# No gap while policies are swapped: a program denied port 81 by every policy below keeps being
# refused while the agent re-applies (each apply writes a new generation and switches atomically).
cp "$work/policy.yaml" "$work/policy-b.yaml"
sed -i 's/default: allow/default: deny/' "$work/policy-b.yaml"
( yes 'tcp 10.0.0.1 81' | in_cgroup "$app" batch > "$work/swap.out" 2>&1 ) &
hammer=$!
sleep 0.2
for i in $(seq 6); do
  appfw_apply "$work/policy.yaml" > /dev/null 2>&1; appfw_apply "$work/policy-b.yaml" > /dev/null 2>&1
done
kill $(cat "$cg/cgroup.procs")  # only the probe runs in our cgroup now
wait "$hammer" 2>/dev/null || true
tries=$(grep -c "^deny" "$work/swap.out" || true)
(( tries > 1000 )) || fail "too few connects during the swaps: $tries"
expect 0 "$(grep -c "^allow" "$work/swap.out" || true)" "connects allowed during $tries tries while swapping"

# Flush detaches everything.
"$netwarden" appfw flush --pin "$pin" > /dev/null
expect 0 "$(bpftool cgroup show "$cg" | grep -c nw_ || true)" "programs after flush"
expect connected "$(in_cgroup "$app" connect tcp 10.0.0.1 80)" "after flush"
echo "appfw lifecycle: ok"
