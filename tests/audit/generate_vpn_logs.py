#!/usr/bin/env python3
"""Writes realistic multi-day VPN gateway logs with planted misuse, for tests and benchmarks.

Times are local to Asia/Tokyo (no DST; run the audit with --tz Asia/Tokyo --year YEAR).
Planted cases (day numbers count from --start):
  mallory  JP daily + CN on days 3, 7, 12       -> home-and-abroad-same-day x3 (high),
                                                   impossible-travel on day 3
  carol    JP 09-17 and US 10-11 on day 5       -> concurrent-sessions, same-day, travel
  trent    JP daily, only BR on day 18          -> new-country (after the 14-day baseline)
  dave     6 failures then success from NL, d8  -> failures-then-success (+ same-day)
  spray    45.155.205.1 fails for 15 users, d6  -> password-spray
Guards that must stay quiet:
  erin     JP days 0-9, US days 10-13, JP after -> travel on consecutive days, not same-day
  ivan     private 10.1.2.3 and GB on day 4     -> a private address is not "home"
  frank    JP daily + allow-listed US egress d9 -> nothing with tests/audit/allow_list.txt
"""
import argparse
import datetime as dt
import random
import sys

HOME = ["133.11.0.1", "126.0.0.1", "153.156.0.1", "210.130.0.1", "60.32.0.1", "61.213.0.1"]
US, CN, BR, GB, NL = "8.8.8.8", "36.110.0.1", "200.160.0.1", "81.2.69.144", "95.211.0.1"
CARNOLA_US = "12.0.0.1"
SPRAYER = "45.155.205.1"
CORPORATE_EGRESS = "185.199.108.1"
PRIVATE = "10.1.2.3"
TZ = "+09:00"


class Plan:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.sessions = []  # (user, src, start, end)
        self.failures = []  # (user, src, time)

    def session(self, user, src, start, minutes):
        self.sessions.append((user, src, start, start + dt.timedelta(minutes=minutes)))

    def fail(self, user, src, when):
        self.failures.append((user, src, when))


def at(start, day, hour, minute=0):
    return start + dt.timedelta(days=day, hours=hour, minutes=minute)


def build_plan(start, days, users, seed):
    plan = Plan(seed)
    rng = plan.rng
    normal = [f"u{n:04d}" for n in range(users)]
    for user in normal:
        home = HOME[int(user[1:]) % len(HOME)]
        for day in range(days):
            if rng.random() < 0.25:
                continue
            # Morning and evening sessions never overlap: concurrency is a planted case only.
            for hours in ((7, 11), (16, 21))[:rng.choice([1, 1, 2])]:
                src = home if rng.random() < 0.8 else rng.choice(HOME)
                plan.session(user, src, at(start, day, rng.randint(*hours), rng.randint(0, 59)),
                             rng.randint(5, 240))
    for day in range(days):
        plan.session("mallory", HOME[0], at(start, day, 9), 60)
        if day == 3:
            plan.session("mallory", CN, at(start, day, 10, 30), 30)
        if day in (7, 12):
            plan.session("mallory", CN, at(start, day, 19), 30)
        if day != 5:
            plan.session("carol", HOME[1], at(start, day, 9), 480)
        if day not in (18, 19):
            plan.session("trent", HOME[2], at(start, day, 9, 15), 45)
        if day == 18:
            plan.session("trent", BR, at(start, day, 22), 60)
        if day != 8:
            plan.session("dave", HOME[3], at(start, day, 8, 40), 90)
        plan.session("erin", HOME[4] if not 10 <= day <= 13 else US,
                     at(start, day, 20 if 10 <= day <= 13 else 9), 60)
        plan.session("ivan", PRIVATE if day == 4 else HOME[5], at(start, day, 9), 60)
        if day == 4:
            plan.session("ivan", GB, at(start, day, 20), 60)
        plan.session("frank", HOME[0], at(start, day, 8), 60)
        if day == 9:
            plan.session("frank", CORPORATE_EGRESS, at(start, day, 14), 60)
    plan.session("carol", HOME[1], at(start, 5, 9), 480)
    plan.session("carol", CARNOLA_US, at(start, 5, 10), 60)
    for k in range(6):
        plan.fail("dave", NL, at(start, 8, 2, k))
    plan.session("dave", NL, at(start, 8, 2, 6), 24)
    victims = (normal + ["mallory", "carol", "erin", "admin", "test", "guest"])[:15]
    victims += [f"x{n}" for n in range(15 - len(victims))]
    for k, user in enumerate(victims):
        plan.fail(user, SPRAYER, at(start, 6, 3, 0) + dt.timedelta(seconds=37 * k))
    for _ in range(days):  # ordinary typos
        user = rng.choice(normal) if normal else "carol"
        plan.fail(user, HOME[int(user[1:]) % len(HOME)] if normal else HOME[1],
                  at(start, rng.randrange(days), rng.randint(8, 20), rng.randint(0, 59)))
    return plan


def syslog_time(t):
    return t.strftime("%b ") + f"{t.day:2d}" + t.strftime(" %H:%M:%S")


class Renderer:
    """Turns the plan into vendor lines; each method returns [(time, line)]."""

    def __init__(self, rng):
        self.rng = rng
        self.counter = 0

    def next_id(self):
        self.counter += 1
        return self.counter

    def tunnel(self):
        n = self.next_id()
        return f"10.{20 + n // 65025 % 200}.{n // 255 % 255}.{n % 255 + 1}"


class F5(Renderer):
    def head(self, t, msgid, sid, text):
        return (t, f"{syslog_time(t)} bigip1 notice tmm{self.rng.randint(0, 3)}[20226]: {msgid}: {sid}: {text}")

    def sid(self):
        raw = f"{self.next_id() * 2654435761 % (1 << 32):08x}"
        return raw if self.counter % 2 else f"/Common/ap_vpn:Common:{raw}"

    def user_text(self, user):
        return user.upper() if self.counter % 3 == 0 else (f"UNIV\\{user}" if self.counter % 3 == 1 else user)

    def session(self, user, src, start, end):
        sid = self.sid()
        return [
            self.head(start, "01490500:5", sid, f"New session from client IP {src} (ST=/CC=/C=) at VIP 192.0.2.10 Listener /Common/vs_https (Reputation=Unknown)"),
            self.head(start, "01490010:5", sid, f"Username '{self.user_text(user)}'"),
            self.head(start, "01490017:5", sid, f"AD agent: Auth (logon attempt:0): authenticate with '{user}' successful"),
            self.head(start, "01490102:5", sid, "Access policy result: Network_Access"),
            self.head(start, "01490549:6", sid, f"Assigned PPP Dynamic IPv4: {self.tunnel()} ID: 1 Tunnel Type: VPN_TUNNELTYPE_TCP NA Resource: /Common/na_res Client IP: {src}"),
            self.head(start, "01490544:5", sid, "Received client info - Type: Windows Version: 3 Platform: Win10 CPU: x64 UI Mode: Full Javascript Support: 1 ActiveX Support: 0 Plugin Support: 0"),
            self.head(end, "01490501:5", sid, "Session deleted due to user logout request."),
        ]

    def failure(self, user, src, t):
        sid = self.sid()
        return [
            self.head(t, "01490500:5", sid, f"New session from client IP {src} (ST=/CC=/C=) at VIP 192.0.2.10 Listener /Common/vs_https (Reputation=Unknown)"),
            self.head(t, "01490010:5", sid, f"Username '{user}'"),
            self.head(t, "01490107:3", sid, f"AD module: authentication with '{user}' failed: Preauthentication failed"),
            self.head(t, "01490102:5", sid, "Access policy result: Logon_Deny"),
            self.head(t, "01490501:5", sid, "Session deleted due to user logout request."),
        ]

    def noise(self, t):
        return (t, f"{syslog_time(t)} bigip1 info syslog-ng[1999]: -- MARK --")


class Asa(Renderer):
    def head(self, t, msg):
        return (t, f"{t.strftime('%b %d %Y %H:%M:%S')} asa01 : {msg}")

    def session(self, user, src, start, end):
        group = "GroupPolicy_VPN"
        duration = end - start
        h, rem = divmod(int(duration.total_seconds()), 3600)
        return [
            self.head(start, f"%ASA-6-113004: AAA user authentication Successful : server =  10.0.0.5 : user = {user}"),
            self.head(start, f"%ASA-6-113039: Group <{group}> User <{user}> IP <{src}> AnyConnect parent session started."),
            self.head(start, f"%ASA-6-722051: Group <{group}> User <{user}> IP <{src}> IPv4 Address <{self.tunnel()}> IPv6 address <::> assigned to session"),
            self.head(start, f"%ASA-6-722022: Group <{group}> User <{user}> IP <{src}> TCP SVC connection established without compression"),
            self.head(end, f"%ASA-4-113019: Group = {group}, Username = {user}, IP = {src}, Session disconnected. Session Type: SSL, Duration: {h}h:{rem // 60:02d}m:{rem % 60:02d}s, Bytes xmt: 1234567, Bytes rcv: 7654321, Reason: User Requested"),
        ]

    def failure(self, user, src, t):
        return [self.head(t, f"%ASA-6-113005: AAA user authentication Rejected : reason = AAA failure : server = 10.0.0.5 : user = {user} : user IP = {src}")]

    def noise(self, t):
        return (t, f"{t.strftime('%b %d %Y %H:%M:%S')} asa01 : %ASA-6-302013: Built inbound TCP connection 1 for outside:{HOME[0]}/443")


class Forti(Renderer):
    def head(self, t, rest):
        return (t, f'date={t:%Y-%m-%d} time={t:%H:%M:%S} devname="fgt-edge" devid="FG100E4Q17000000" tz="+0900" {rest}')

    def session(self, user, src, start, end):
        tid = 400000000 + self.next_id()
        tunnel = self.tunnel()
        seconds = int((end - start).total_seconds())
        base = f'type="event" subtype="vpn" level="information" vd="root" tunneltype="ssl-tunnel" tunnelid={tid} remip={src} tunnelip={tunnel} user="{user}" group="vpn-users" dst_host="N/A"'
        return [
            self.head(start, f'logid="0101039947" {base} logdesc="SSL VPN tunnel up" action="tunnel-up" reason="tunnel established" msg="SSL tunnel established"'),
            self.head(end, f'logid="0101039948" {base} logdesc="SSL VPN tunnel down" action="tunnel-down" reason="user logout" duration={seconds} sentbyte=12345 rcvdbyte=54321 msg="SSL tunnel shutdown"'),
        ]

    def failure(self, user, src, t):
        return [self.head(t, f'logid="0101039426" type="event" subtype="vpn" level="alert" vd="root" logdesc="SSL VPN login fail" action="ssl-login-fail" tunneltype="ssl-web" tunnelid=0 remip={src} tunnelip=(null) user="{user}" group="N/A" dst_host="N/A" reason="sslvpn_login_permission_denied" msg="SSL user failed to logged in"')]

    def noise(self, t):
        return self.head(t, 'logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="Admin login successful" user="admin" action="login" status="success"')


class GlobalProtect(Renderer):
    def row(self, t, event, stage, user, src, private, status, region="JP"):
        stamp = t.strftime("%Y/%m/%d %H:%M:%S")
        seq = self.next_id()
        return (t, f'{syslog_time(t)} pa-fw01 1,{stamp},013101001305,GLOBALPROTECT,0,2305,{stamp},vsys1,{event},{stage},,SSL,corp\\{user},{region},PC-{user},{src},0.0.0.0,{private},0.0.0.0,host-{user},SERIAL1,6.1.1,Windows,"Microsoft Windows 10 Pro , 64-bit",1,,,"",{status},,0,,0,GP-GW,{seq},0x0')

    def session(self, user, src, start, end):
        private = self.tunnel()
        return [
            self.row(start, "gateway-auth", "login", user, src, "0.0.0.0", "success"),
            self.row(start, "gateway-setup-ssl", "tunnel", user, src, private, "success"),
            self.row(end, "gateway-logout", "logout", user, src, private, "success"),
        ]

    def failure(self, user, src, t):
        return [self.row(t, "gateway-auth", "login", user, src, "0.0.0.0", "failure")]

    def noise(self, t):
        return self.row(t, "gateway-hip-check", "host-info", "u0000", HOME[0], "0.0.0.0", "success")


class OpenVpn(Renderer):
    def head(self, t, msg):
        return (t, f"{t:%Y-%m-%d %H:%M:%S} {msg}")

    def session(self, user, src, start, end):
        port = 1024 + self.next_id() % 60000
        tunnel = self.tunnel()
        peer = f"{src}:{port}"
        return [
            self.head(start, f"{peer} TLS: Username/Password authentication succeeded for username '{user}'"),
            self.head(start, f"{peer} [{user}] Peer Connection Initiated with [AF_INET]{peer}"),
            self.head(start, f"{user}/{peer} MULTI_sva: pool returned IPv4={tunnel}, IPv6=(Not enabled)"),
            self.head(start, f"MULTI: Learn: {tunnel} -> {user}/{peer}"),
            self.head(end, f"{user}/{peer} SIGTERM[soft,remote-exit] received, client-instance exiting"),
        ]

    def failure(self, user, src, t):
        peer = f"{src}:{1024 + self.next_id() % 60000}"
        return [
            self.head(t, f"{peer} WARNING: Failed running command (--auth-user-pass-verify): external program exited with error status: 1"),
            self.head(t, f"{peer} TLS Auth Error: Auth Username/Password verification failed for peer"),
        ]

    def noise(self, t):
        return self.head(t, "MULTI: multi_create_instance called")


class Ocserv(Renderer):
    def head(self, t, msg):
        return (t, f"{syslog_time(t)} vpn1 ocserv[{self.rng.randint(1000, 9999)}]: {msg}")

    def session(self, user, src, start, end):
        port = 1024 + self.next_id() % 60000
        return [
            self.head(start, f"sec-mod: using 'plain' authentication to authenticate user (session: {self.counter:x})"),
            self.head(start, f"main[{user}]:{src}:{port} user logged in"),
            self.head(start, f"worker[{user}]: {src} sending IPv4 {self.tunnel()}"),
            self.head(end, f"main[{user}]:{src}:{port} user disconnected (reason: user disconnected, rx: 123456, tx: 654321)"),
        ]

    def failure(self, user, src, t):
        return [self.head(t, f"worker[{user}]: {src} worker-auth.c:1731: failed authentication for '{user}'")]

    def noise(self, t):
        return self.head(t, "main: main.c:1234: ocserv[1000]: terminated")


class Pulse(Renderer):
    def head(self, t, src, who, msg):
        return (t, f"{syslog_time(t)} pcs-node1 1 {t:%Y-%m-%dT%H:%M:%S}{TZ} 10.5.2.3 PulseSecure: - - - {t:%Y-%m-%d %H:%M:%S} - pcs-node1 - [{src}] {who} - {msg}")

    def session(self, user, src, start, end):
        sid = f"sid{self.next_id() * 2654435761:040x}"
        who = f"{user}(Users)[Users]"
        return [
            self.head(start, src, f"{user}(Users)[]", f"Primary authentication successful for {user}/Users from {src}"),
            self.head(start, src, who, f"Agent login succeeded for {user}/Users (session:{sid}) from {src} with Pulse-Secure/9.1.13.11723 (Windows 10) Pulse/9.1.13.11723."),
            self.head(start, src, who, f"VPN Tunneling: Session started for user (session: {sid}) with IPv4 address {self.tunnel()}, hostname PC-{user}"),
            self.head(end, src, who, f"Logout from {src} (session:{sid})"),
        ]

    def failure(self, user, src, t):
        return [self.head(t, src, f"{user}(Users)[]", f"Primary authentication failed for {user}/Users from {src}")]

    def noise(self, t):
        return self.head(t, "127.0.0.1", "System()[]", "Connected to 10.5.2.4 port 443")


VENDORS = {"f5": F5, "asa": Asa, "fortigate": Forti, "globalprotect": GlobalProtect,
           "openvpn": OpenVpn, "ocserv": Ocserv, "pulse": Pulse}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vendor", choices=sorted(VENDORS), required=True)
    parser.add_argument("--start", default="2024-03-01")
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--users", type=int, default=6, help="ordinary users besides the planted ones")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--out", default="-")
    args = parser.parse_args()
    start = dt.datetime.fromisoformat(args.start)
    plan = build_plan(start, args.days, args.users, args.seed)
    renderer = VENDORS[args.vendor](random.Random(args.seed + 1))
    lines = []
    for user, src, begin, end in plan.sessions:
        lines += renderer.session(user, src, begin, end)
    for user, src, when in plan.failures:
        lines += renderer.failure(user, src, when)
    for day in range(args.days):
        lines.append(renderer.noise(at(start, day, 0, 5)))
    lines.append((at(start, args.days - 1, 23, 59), "this line is garbage and must be counted as unparsed"))
    lines.sort(key=lambda item: item[0])
    out = sys.stdout if args.out == "-" else open(args.out, "w")
    out.write("".join(line + "\n" for _, line in lines))


if __name__ == "__main__":
    main()
