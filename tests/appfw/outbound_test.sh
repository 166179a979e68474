#!/usr/bin/env bash
# Outbound per program (the original's support case): two programs reach the same web server;
# one is refused per its rule, the other succeeds; explain and the events name the rule for each.
# Then UDP by sendmsg and connected UDP, IPv6, and a user-scoped rule.
source "$(dirname "$0")/lib.sh"

mailer=$(program mailer)
other=$(program othermail)
server=$(program webserver)
cat > "$work/policy.yaml" <<YAML
version: 1
vpn:
  gateways: []
apps:
  default: allow
  rules:
    - name: mailer-no-web
      program: $mailer
      direction: out
      protocol: tcp
      remote: [10.0.0.0/24, "fd00::/64"]
      ports: [80]
      action: deny
    - name: mailer-no-dns
      program: $mailer
      protocol: udp
      ports: [53]
      action: deny
    - name: other-as-nobody
      program: $other
      remote: [10.0.0.2]
      user: 65534
      action: deny
YAML
spawn "$work/server.out" ip netns exec "$ns" "$server" serve 80 --seconds 60
wait_for "$work/server.out" listening
appfw_apply "$work/policy.yaml" > "$work/apply.out" 2>&1 || fail "apply: $(cat "$work/apply.out")"

# The support case: same server, same port, two programs.
expect eperm "$(in_cgroup "$mailer" connect tcp 10.0.0.1 80)" "mailer to the web server"
expect connected "$(in_cgroup "$other" connect tcp 10.0.0.1 80)" "another program to the web server"
expect_has "deny mailer-no-web: apps rule 'mailer-no-web'" \
  "$(explain "$work/policy.yaml" --program "$mailer" --proto tcp --dst 10.0.0.1 --port 80)" "explain mailer"
expect_has "allow default: no apps rule names this program" \
  "$(explain "$work/policy.yaml" --program /usr/bin/true --proto tcp --dst 10.0.0.1 --port 80)" "explain unnamed"
expect_has "allow default: no apps rule of this program matches" \
  "$(explain "$work/policy.yaml" --program "$other" --proto tcp --dst 10.0.0.1 --port 80)" "explain other"
events=$(appfw_events)
expect_has "deny mailer-no-web connect tcp 10.0.0.1 80" "$events" "deny event"
expect_has "program=$mailer" "$events" "event names the program"

# events --follow --json streams as verdicts happen.
spawn "$work/follow.out" "$netwarden" appfw events --pin "$pin" --follow --json
follower=$!
sleep 0.3
expect eperm "$(in_cgroup "$mailer" connect tcp 10.0.0.1 80)" "mailer again"
wait_for "$work/follow.out" '"rule":"mailer-no-web"'
kill "$follower"; wait "$follower" 2>/dev/null || true
expect_has "\"program\":\"$mailer\"" "$(cat "$work/follow.out")" "followed event"

# Allowed flows are logged too with --log-allow, naming "default".
appfw_apply "$work/policy.yaml" --log-allow > /dev/null 2>&1
expect connected "$(in_cgroup "$other" connect tcp 10.0.0.1 80)" "other, log-allow"
expect_has "allow default connect tcp 10.0.0.1 80" "$(appfw_events)" "allow event"
appfw_apply "$work/policy.yaml" > /dev/null 2>&1

# UDP: unconnected sendmsg and connected UDP both judged; other ports pass.
expect eperm "$(in_cgroup "$mailer" sendto 10.0.0.1 53)" "mailer sendto udp/53"
expect eperm "$(in_cgroup "$mailer" connect udp 10.0.0.1 53)" "mailer connected udp/53"
expect sent "$(in_cgroup "$mailer" sendto 10.0.0.1 5353)" "mailer sendto udp/5353"
expect sent "$(in_cgroup "$other" sendto 10.0.0.1 53)" "other sendto udp/53"
expect_has "deny mailer-no-dns sendmsg udp 10.0.0.1 53" "$(appfw_events)" "sendmsg event"

# IPv6, and IPv4-mapped IPv6 judged as IPv4.
spawn "$work/server6.out" ip netns exec "$ns" "$server" serve 8080 --seconds 60
wait_for "$work/server6.out" listening
expect eperm "$(in_cgroup "$mailer" connect tcp fd00::1 80)" "mailer over IPv6"
expect eperm "$(in_cgroup "$mailer" connect tcp ::ffff:10.0.0.1 80)" "mailer to a v4-mapped address"
expect connected "$(in_cgroup "$other" connect tcp fd00::1 80)" "other over IPv6"
expect connected "$(in_cgroup "$mailer" connect tcp fd00::1 8080)" "mailer to another port"
expect_has "deny mailer-no-web" \
  "$(explain "$work/policy.yaml" --program "$mailer" --proto tcp --dst fd00::1 --port 80)" "explain v6"

# A user-scoped rule: only uid 65534's processes of this program are refused.
chmod 755 "$work" "$work/bin"
expect eperm "$(in_cgroup "$other" connect tcp 10.0.0.2 80 --uid 65534)" "other as nobody"
expect connected "$(in_cgroup "$other" connect tcp 10.0.0.2 80)" "other as root"
expect_has "deny other-as-nobody" \
  "$(explain "$work/policy.yaml" --program "$other" --user nobody --proto tcp --dst 10.0.0.2 --port 80)" \
  "explain user"
expect_has "allow default" \
  "$(explain "$work/policy.yaml" --program "$other" --user 0 --proto tcp --dst 10.0.0.2 --port 80)" \
  "explain root"
echo "appfw outbound: ok"
