#!/usr/bin/env bash
# The apps manager on the real kernel, driven like the agent's loop (appfw_manager_driver), in a
# cgroup, pin directory and netns of the test's own:
#  - the denied program gets EPERM, another program connects; the event is an agent event
#    ("blocked", plane apps, rule, program, destination, destination_port);
#  - a program that appears later is enforced (watcher on the loop, no blocking);
#  - a removed link pin and a detached link are found and repaired within 1 s, with drift lines;
#  - SIGHUP into report mode lets the flow through with a would-block event, and back;
#  - SIGKILL: the rules stay; a new manager adopts (8 attachments);
#  - a policy without apps removes the plane.
# Usage: manager_test.sh NETWARDEN APPFW_PROBE DRIVER
source "$(dirname "$0")/lib.sh"
driver=$(realpath "$3")

mailer=$(program mailer)
other=$(program other)
late="$work/bin/late"
write_policy() {  # write_policy [MODE]
  cat > "$work/policy.yaml" <<YAML
version: 1
apps:
  mode: ${1:-enforce}
  rules:
    - {name: mailer-no-web, program: $mailer, protocol: tcp, ports: [80], action: deny}
    - {name: late-no-web, program: $late, protocol: tcp, ports: [80], action: deny}
YAML
}
write_policy
spawn "$work/server.out" ip netns exec "$ns" "$probe" serve 80 --seconds 120
wait_for "$work/server.out" listening
start_driver() {
  spawn "$work/driver.out" "$driver" "$work/policy.yaml" --cgroup "$cg" --pin "$pin"
  driver_pid=$!
  wait_for "$work/driver.out" '"event":"applied"'
}
attached() { bpftool cgroup show "$cg" | grep -c nw_ || true; }
# until_in SECONDS WANT CMD...: polls CMD until it prints WANT; prints the milliseconds it took.
until_in() {
  local limit=$1 want=$2 start
  start=$(date +%s%N)
  shift 2
  while true; do
    [[ $("$@") == "$want" ]] && { echo $(( ($(date +%s%N) - start) / 1000000 )); return 0; }
    (( $(date +%s%N) - start > limit * 1000000000 )) && return 1
    sleep 0.02
  done
}

start_driver
expect 8 "$(attached)" "programs attached"
expect connected "$(in_cgroup "$other" connect tcp 10.0.0.1 80)" "another program"
expect eperm "$(in_cgroup "$mailer" connect tcp 10.0.0.1 80)" "the denied program"
wait_for "$work/driver.out" '"event":"blocked"'
line=$(grep '"event":"blocked"' "$work/driver.out" | tail -1)
for field in '"plane":"apps"' '"rule":"mailer-no-web"' "\"program\":\"$mailer\"" \
  '"destination":"10.0.0.1"' '"destination_port":80' '"verdict":"eperm"' '"protocol":"tcp"'; do
  expect_has "$field" "$line" "blocked event"
done

cp "$probe" "$work/bin/.late.new" && mv "$work/bin/.late.new" "$late"
ms=$(until_in 5 eperm in_cgroup "$late" connect tcp 10.0.0.1 80) || fail "late program not enforced"
echo "  a program that appeared: enforced after ${ms} ms"

rm "$pin/links/connect4"
ms=$(until_in 3 eperm in_cgroup "$mailer" connect tcp 10.0.0.1 80) || fail "removed link not repaired"
(( ms <= 1000 )) || fail "the removed link pin took ${ms} ms to repair"
wait_for "$work/driver.out" '"object":"link connect4"'
expect_has '"found":"missing"' "$(grep '"link connect4"' "$work/driver.out" | tail -1)" "drift: missing"
echo "  link pin removed: repaired in ${ms} ms"
bpftool link detach pinned "$pin/links/connect6"
ms=$(until_in 3 eperm in_cgroup "$mailer" connect tcp fd00::1 80) || fail "detached link not repaired"
(( ms <= 1000 )) || fail "the detached link took ${ms} ms to repair"
wait_for "$work/driver.out" '"object":"link connect6"'
expect_has '"found":"changed"' "$(grep '"link connect6"' "$work/driver.out" | tail -1)" "drift: changed"
expect_has '"repaired":true' "$(grep '"link connect6"' "$work/driver.out" | tail -1)" "repaired"
expect 8 "$(attached)" "programs attached after the repairs"
echo "  link detached: repaired in ${ms} ms"

write_policy report; kill -HUP "$driver_pid"
until_in 3 connected in_cgroup "$mailer" connect tcp 10.0.0.1 80 > /dev/null || fail "report mode blocks"
wait_for "$work/driver.out" '"event":"would-block"'
expect_has '"rule":"mailer-no-web"' "$(grep '"would-block"' "$work/driver.out" | tail -1)" \
  "would-block names the rule"
write_policy; kill -HUP "$driver_pid"
until_in 3 eperm in_cgroup "$mailer" connect tcp 10.0.0.1 80 > /dev/null || fail "back to enforce"

kill -9 "$driver_pid"; wait "$driver_pid" 2>/dev/null || true
expect eperm "$(in_cgroup "$mailer" connect tcp 10.0.0.1 80)" "after SIGKILL"
start_driver
expect 8 "$(attached)" "a new manager adopts (not attached twice)"
expect eperm "$(in_cgroup "$mailer" connect tcp 10.0.0.1 80)" "after the restart"

# A policy without apps: the plane is removed (links and pins gone), not left half in force.
printf 'version: 1\nvpn:\n  gateways: []\n' > "$work/policy.yaml"; kill -HUP "$driver_pid"
for _ in $(seq 50); do [[ -e "$pin" ]] || break; sleep 0.1; done
[[ ! -e "$pin" ]] || fail "pins left after a policy without apps: $(ls -R "$pin")"
expect 0 "$(attached)" "programs attached without apps"
expect connected "$(in_cgroup "$mailer" connect tcp 10.0.0.1 80)" "without apps"
echo "appfw manager: ok"
