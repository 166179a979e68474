# Runs inside the laptop namespace: its own rtnetlink listener timestamps the link event as the
# agent's socket receives it; `nft monitor` timestamps the commit of the set update.
import random, socket, struct, subprocess, sys, threading, time
ifname, changes, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
RTM_NEWLINK, RTM_DELLINK = 16, 17
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
nl.bind((0, 1))  # RTMGRP_LINK
mon = subprocess.Popen(["stdbuf", "-oL", "nft", "monitor"], stdout=subprocess.PIPE, text=True, bufsize=1)
lock = threading.Lock()
want = {"kind": None}
event_t, seen_t = {}, {}
done = threading.Event()
def netlink_reader():
    name = ifname.encode() + b"\0"
    while True:
        data = nl.recv(65536)
        t = time.monotonic()
        off = 0
        while off + 16 <= len(data):
            length, kind = struct.unpack_from("=LH", data, off)
            if length < 16:
                break
            msg = data[off:off + length]
            with lock:
                w = want["kind"]
                if name in msg and w and w not in event_t and \
                   ((w == "add" and kind == RTM_NEWLINK) or (w == "delete" and kind == RTM_DELLINK)):
                    event_t[w] = t
            off += (length + 3) & ~3
def monitor_reader():
    for line in mon.stdout:
        t = time.monotonic()
        if "tunnel_ifaces" in line and ifname in line:
            kind = "add" if line.startswith("add element") else "delete" if line.startswith("delete element") else None
            with lock:
                if kind and kind == want["kind"] and kind not in seen_t:
                    seen_t[kind] = t
                    done.set()
threading.Thread(target=netlink_reader, daemon=True).start()
threading.Thread(target=monitor_reader, daemon=True).start()
time.sleep(0.5)
rows = []
for i in range(changes):
    kind = "add" if i % 2 == 0 else "delete"
    with lock:
        event_t.clear(); seen_t.clear(); want["kind"] = kind
        done.clear()
    if kind == "add":
        # A tun device, as wireguard-go and OpenVPN make (the agent counts only tunnel kinds):
        # created down first; the change measured is its coming up.
        with lock:
            want["kind"] = None
        subprocess.run(["ip", "tuntap", "add", "dev", ifname, "mode", "tun"], check=True)
        time.sleep(0.06)
        with lock:
            event_t.clear(); want["kind"] = kind
        cmd = ["ip", "link", "set", ifname, "up"]
    else:
        cmd = ["ip", "link", "del", ifname]
    t0 = time.monotonic()
    subprocess.run(cmd, check=True)
    if not done.wait(10) or kind not in event_t:
        print(f"change {i} ({kind}) not seen within 10 s", file=sys.stderr)
        sys.exit(1)
    rows.append((kind, (seen_t[kind] - event_t[kind]) * 1000, (seen_t[kind] - t0) * 1000))
    time.sleep(random.uniform(0.02, 0.12))
mon.terminate()
with open(out, "w") as f:
    for kind, ms, hi in rows:
        f.write(f"{kind} {ms:.3f} {hi:.3f}\n")
def pct(v, p):
    v = sorted(v); k = max(0, min(len(v) - 1, int(round(p / 100 * len(v) + 0.5)) - 1)); return v[k]
ms = [r[1] for r in rows]; hi = [r[2] for r in rows]
label = sys.argv[4] if len(sys.argv) > 4 else ""
print(f"reaction time over {len(rows)} netlink changes (tunnel interface up / deleted){label}:")
print(f"  median {pct(ms, 50):.1f} ms, p99 {pct(ms, 99):.1f} ms, min {min(ms):.1f} ms, max {max(ms):.1f} ms")
print(f"  (from the RTM_NEWLINK/DELLINK notification to the nft commit of set tunnel_ifaces;")
print(f"   from before `ip` started: median {pct(hi, 50):.1f} ms, p99 {pct(hi, 99):.1f} ms)")
