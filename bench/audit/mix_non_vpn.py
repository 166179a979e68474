#!/usr/bin/env python3
"""Writes a "realistic mix" copy of a generated VPN log: after every line, K lines the gateway
also writes that are not about VPN logins (traffic, policy trace, keep-alives), with the same
timestamp. Real gateways' logs are mostly such lines; the generated bench files are all VPN.
The bench reports this as a separate, labelled row; the plain file stays the main figure.

usage: mix_non_vpn.py VENDOR IN OUT [K]
"""
import re
import sys

# Per vendor: a regex whose group 1 is the line's header to reuse, and the non-VPN message.
# Each message is of a kind the parser knows as its vendor's and ignores (docs/AUDIT.md).
MIX = {
    "f5": (r"^(.*?\]: )", "01490007:7: 00000000: Session variable 'session.client.type' set to "
                          "'Standalone'"),
    "asa": (r"^(.*?)%ASA-", "%ASA-6-302013: Built outbound TCP connection 123456 for "
                            "outside:93.184.216.34/443 (93.184.216.34/443) to inside:10.1.2.3/51234 "
                            "(198.51.100.7/51234)"),
    "fortigate": (r"^(.*?) logid=", ' logid="0000000013" type="traffic" subtype="forward" '
                                    'level="notice" vd="root" srcip=10.1.2.3 srcport=51234 '
                                    'srcintf="port2" dstip=93.184.216.34 dstport=443 dstintf="port1" '
                                    'sessionid=123456 proto=6 action="close" policyid=1 '
                                    'service="HTTPS" sentbyte=1234 rcvdbyte=5678'),
    "globalprotect": (r"^(\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ )", "1,2024/03/01 07:00:00,013101001305,"
                      "TRAFFIC,end,2305,2024/03/01 07:00:00,10.1.2.3,93.184.216.34,198.51.100.7,"
                      "93.184.216.34,allow-web,,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,"
                      "default,2024/03/01 07:00:00,123456,1,51234,443,51234,443,0x400000,tcp,allow,"
                      "5678,1234,4444,20,2024/03/01 06:59:50,10,any,0,123,0x0,10.0.0.0-10.255.255.255,"
                      "United States,0,10,10,tcp-fin"),
    "openvpn": (r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )", "198.51.100.7:51234 Data Channel: using "
                                                        "negotiated cipher 'AES-256-GCM'"),
    "ocserv": (r"^(.*?ocserv\[\d+\]: )", "main: main.c:1234: ocserv[1000]: added 1 listening TCP "
                                         "port"),
    "pulse": (r"^(.*?PulseSecure: - - - \S+ \S+ - \S+ - )", "[127.0.0.1] System()[] - Connected "
                                                            "to 10.5.2.4 port 443"),
}


def main():
    vendor, source, target = sys.argv[1:4]
    k = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    pattern, message = MIX[vendor]
    header = re.compile(pattern)
    with open(source, encoding="utf-8", errors="surrogateescape") as lines, \
            open(target, "w", encoding="utf-8", errors="surrogateescape") as out:
        for line in lines:
            out.write(line)
            found = header.match(line)
            if found:
                extra = found.group(1) + message + "\n"
                out.write(extra * k)


if __name__ == "__main__":
    main()
