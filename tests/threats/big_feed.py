#!/usr/bin/env python3
"""The synthetic large feed of the scale test and the benches: `half` single IPv4 addresses (every
other address from 11.0.0.0) and `half` /30 prefixes (one every 8 addresses from 12.0.0.0).
Nothing overlaps or touches, so every loader keeps exactly 2 * half entries.
usage: big_feed.py OUT HALF [EXTRA_ENTRY ...]   (or import it: hosts(), nets(), write())"""
import ipaddress
import sys

HOSTS_BASE = 0x0B000000
NETS_BASE = 0x0C000000


def v4(number):
    return str(ipaddress.IPv4Address(number))


def hosts(half):
    return [v4(HOSTS_BASE + 2 * i) for i in range(half)]


def nets(half):
    return [f"{v4(NETS_BASE + 8 * i)}/30" for i in range(half)]


def write(path, entries):
    with open(path, "w") as f:
        f.write(f"# synthetic feed, {len(entries)} entries\n" + "\n".join(entries) + "\n")


if __name__ == "__main__":
    count = int(sys.argv[2])
    write(sys.argv[1], hosts(count) + nets(count) + sys.argv[3:])
