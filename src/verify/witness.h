#pragma once
// Concrete packets out of symbolic regions: one representative per cube (a counterexample
// people can replay with `explain` or a real socket), and short descriptions of whole cubes
// for `--diff`.

#include <string>
#include <vector>

#include "decision/flow.h"
#include "verify/evaluate.h"

namespace netwarden::verify {

struct Packet {
  IpFamily family = IpFamily::kV4;
  Value oif = 0, iif = 0, saddr = 0, daddr = 0, l4proto = 0, sport = 0, dport = 0, uid = 0,
        mark = 0, ct_state = 0;
};

// Picks readable values: the preferred interfaces, well-known ports, uid 1000 before others.
Packet PickPacket(const Cube& cube, IpFamily family, const InterfaceNames& interfaces,
                  const std::vector<std::string>& preferred_interfaces);

std::string InterfaceLabel(const InterfaceNames& interfaces, Value id);

// `proto=P uid=U|any dst=ADDR dport=N oif=IF` (+ sport/mark/iif/ct when they matter).
std::string DescribePacket(const Packet& packet, const Cube& cube, const InterfaceNames& interfaces,
                           bool with_input_side);

// `rule=HANDLE "COMMENT"`, or `rule=policy "CHAIN policy VERDICT"`.
std::string DescribeRule(const Piece& piece, bool accepted);

// The flow DecideOutbound is asked about for this packet (DecisionDomain packets only).
Flow ToFlow(const Packet& packet, const InterfaceNames& interfaces);

// "tcp any uid → 52.112.0.0/14 any port via any interface except wg0": a whole cube.
std::string DescribeClass(const Cube& cube, IpFamily family, const InterfaceNames& interfaces);

// The part of `whole` that `part` is, by the fields where they differ: "udp port 67 sport 68".
std::string DescribeWithin(const Cube& part, const Cube& whole, IpFamily family,
                           const InterfaceNames& interfaces);

}  // namespace netwarden::verify
