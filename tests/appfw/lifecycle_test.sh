#!/usr/bin/env bash
# Survives upgrades, crashes and meddling (one-shot `appfw apply`; the agent's own watcher and
# repairs are tested by appfw_agent):
#  - a rule's program that does not exist yet is reported as waiting, and enforced by the next
#    apply once it exists (also in a directory created later);
#  - nothing needs to run: the pinned links keep the rules in force;
#  - a re-apply adopts the pinned programs and maps (no second attachment) and switches to the
#    new policy atomically: no connect slips through while generations are swapped;
#  - a removed link pin, a detached link and a removed map pin are repaired by the next apply;
#  - a rule on a symbolic link names no program (lstat), and check says so;
#  - report mode refuses nothing and reports would-deny.
source "$(dirname "$0")/lib.sh"

app="$work/bin/app"   # does not exist yet
later="$work/later/tool"
other=$(program other)
ln -s "$other" "$work/bin/link"
write_policy() {  # write_policy PORT [MODE]
  cat > "$work/policy.yaml" <<YAML
version: 1
apps:
  mode: ${2:-enforce}
  default: allow
  rules:
    - name: app-no-web
      program: $app
      protocol: tcp
      ports: [$1]
      action: deny
    - name: later-no-web
      program: $later
      protocol: tcp
      ports: [$1]
      action: deny
    - name: link-no-web
      program: $work/bin/link
      protocol: tcp
      ports: [$1]
      action: deny
YAML
}
write_policy 80
spawn "$work/server.out" ip netns exec "$ns" "$probe" serve 80 --seconds 60
wait_for "$work/server.out" listening
spawn "$work/server81.out" ip netns exec "$ns" "$probe" serve 81 --seconds 60
wait_for "$work/server81.out" listening

out=$(appfw_apply "$work/policy.yaml" 2>&1)
expect_has "installed app firewall generation 1" "$out" "first apply"
expect_has "waiting for $app" "$out" "a missing program is reported"
expect_has "is a symbolic link to $other" "$out" "a rule on a link is warned about"
expect connected "$(in_cgroup "$other" connect tcp 10.0.0.1 80)" "a link names no program"

cp "$probe" "$work/bin/.app.new" && mv "$work/bin/.app.new" "$app"
mkdir -p "$work/later" && cp "$probe" "$later"
appfw_apply "$work/policy.yaml" > /dev/null 2>&1 || fail "second apply"
expect eperm "$(in_cgroup "$app" connect tcp 10.0.0.1 80)" "the program that appeared"
expect eperm "$(in_cgroup "$later" connect tcp 10.0.0.1 80)" "the program in a new directory"
expect 8 "$(bpftool cgroup show "$cg" | grep -c nw_ || true)" "programs attached"

# A new policy: adopts the pins, one attachment per hook, generation 3.
write_policy 81
out=$(appfw_apply "$work/policy.yaml" 2>&1)
expect_has "updated app firewall generation 3" "$out" "re-apply adopts"
expect 8 "$(bpftool cgroup show "$cg" | grep -c nw_ || true)" "programs attached after re-apply"
expect connected "$(in_cgroup "$app" connect tcp 10.0.0.1 80)" "port 80 allowed by the new policy"
expect eperm "$(in_cgroup "$app" connect tcp 10.0.0.1 81)" "port 81 refused by the new policy"
status=$("$netwarden" appfw status --pin "$pin")
expect_has "generation 3, default allow" "$status" "status"
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

# Meddling, repaired by the next apply: a link pin removed (the program is detached with it), a
# link detached in place (the pin stays, defunct), part of the maps' pins removed.
rm "$pin/links/connect4"
expect connected "$(in_cgroup "$app" connect tcp 10.0.0.1 81)" "connect4 detached with its pin"
appfw_apply "$work/policy.yaml" > /dev/null 2>&1 || fail "apply after the link pin was removed"
expect eperm "$(in_cgroup "$app" connect tcp 10.0.0.1 81)" "removed link pin repaired"
bpftool link detach pinned "$pin/links/connect4"
expect connected "$(in_cgroup "$app" connect tcp 10.0.0.1 81)" "connect4 link detached"
appfw_apply "$work/policy.yaml" > /dev/null 2>&1 || fail "apply after the link was detached"
expect eperm "$(in_cgroup "$app" connect tcp 10.0.0.1 81)" "detached link repaired"
rm "$pin/maps/nw_rules"
expect eperm "$(in_cgroup "$app" connect tcp 10.0.0.1 81)" "a map pin removed: the map lives on"
appfw_apply "$work/policy.yaml" > /dev/null 2>&1 || fail "apply after a map pin was removed"
expect eperm "$(in_cgroup "$app" connect tcp 10.0.0.1 81)" "after a fresh table set"
[[ -e "$pin/maps/nw_rules" ]] || fail "nw_rules not pinned again"
expect 8 "$(bpftool cgroup show "$cg" | grep -c nw_ || true)" "programs attached after repairs"

# Report mode: nothing refused by the rules; the events say what would have been.
write_policy 81 report
appfw_apply "$work/policy.yaml" > /dev/null 2>&1 || fail "apply report mode"
appfw_events > /dev/null  # drop older events
expect connected "$(in_cgroup "$app" connect tcp 10.0.0.1 81)" "report mode refuses nothing"
expect_has "would-deny app-no-web connect tcp 10.0.0.1 81" "$(appfw_events)" "would-deny event"
expect_has "would-deny app-no-web" "$(explain "$work/policy.yaml" --program "$app" --proto tcp \
  --dst 10.0.0.1 --port 81)" "explain in report mode"
write_policy 81
appfw_apply "$work/policy.yaml" > /dev/null 2>&1 || fail "apply enforce mode"
expect eperm "$(in_cgroup "$app" connect tcp 10.0.0.1 81)" "enforce mode again"

# Flush detaches everything.
"$netwarden" appfw flush --pin "$pin" > /dev/null
expect 0 "$(bpftool cgroup show "$cg" | grep -c nw_ || true)" "programs after flush"
expect connected "$(in_cgroup "$app" connect tcp 10.0.0.1 80)" "after flush"
echo "appfw lifecycle: ok"
