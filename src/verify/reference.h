#pragma once
// The policy's side of the proof, as regions of the same header space, built from the
// EffectivePolicy (never from the compiler's output):
//  - the security property: the packets allowed to leave a non-tunnel interface, per hook;
//  - the reference decision function (decision/decide.cc) as an ordered list of regions, for
//    `--equivalence`; verify checks it against DecideOutbound itself on every packet class.

#include <string>
#include <vector>

#include "situation/effective_policy.h"
#include "verify/nft_model.h"

namespace netwarden::verify {

// Output (and postrouting): loopback, tunnel and trusted interfaces, DHCP client, NDP, the
// inspection interface for marked packets, gateway endpoints (address, protocol, port[, uid]),
// root's trust probes and DNS to allowed resolvers, the portal window, proxies, breakout,
// captive-portal hosts (tcp 80/443), private LAN when allowed.
Region AllowedOutput(const EffectivePolicy& effective, IpFamily family, InterfaceNames& interfaces);

// Forward: to tunnel/trusted interfaces (and the LAN when allowed), replies of connections that
// arrived from them, inspected (marked) packets to the inspection interface.
Region AllowedForward(const EffectivePolicy& effective, IpFamily family,
                      InterfaceNames& interfaces);

// Input: packets to a tunnel address that did not arrive on a tunnel interface (or loopback)
// must never be accepted (CVE-2019-14899).
Region ForbiddenInput(const EffectivePolicy& effective, IpFamily family,
                      InterfaceNames& interfaces);

struct ReferenceRule {
  Region match;
  bool allow = false;
  std::string rule_id;
};

// The packets DecideOutbound can be asked about: tcp and udp with a socket owner, ICMP echo
// requests.
Region DecisionDomain(IpFamily family);

// decide.cc's checks, in its order; the first that holds decides.
std::vector<ReferenceRule> ReferenceRules(const EffectivePolicy& effective, IpFamily family,
                                          InterfaceNames& interfaces);

}  // namespace netwarden::verify
