#pragma once
// The policy resolved against the situation: concrete interfaces, addresses and endpoints.
// Both the reference decision function and the compiler start from this one structure, so a
// situation change is a change of these lists only (set updates in the kernel).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/ip.h"
#include "policy/policy.h"
#include "situation/situation.h"

namespace netwarden {

struct GatewayEndpoint {
  IpAddress address;
  Transport protocol = Transport::kUdp;
  uint16_t port = 0;
  std::optional<uint32_t> uid;
  std::string label;  // the policy entry it came from
  SourceLocation where;
};

struct ProbeEndpoint {
  IpAddress address;
  uint16_t port = 443;
  std::string network;  // the trusted network it verifies
};

struct LabeledNetwork {
  IpNetwork network;
  std::string label;  // "52.112.0.0/14" or "meet.example.com"
  SourceLocation where;
};

// The protocols and ports breakout entries open, shared by every entry that names the same:
// the ruleset has one set of prefixes and one rule per profile (and family), so thousands of
// prefixes with the same ports stay one interval set.
struct BreakoutPorts {
  std::vector<Transport> protocols;  // tcp, udp or both
  std::vector<PortRange> ports;      // the destination ports (kEveryPort for all of them)
  bool operator==(const BreakoutPorts&) const = default;
  std::string ToString() const;  // "udp/3478-3481", "tcp+udp/443", "tcp"
};

// One breakout prefix (a cidr, or one address its name resolved to) and what it opens there:
// every protocol and port, or only those of its profile. `label` is the entry's cidr or host, as
// for other destinations; Describe() adds the ports.
struct BreakoutDestination : LabeledNetwork {
  std::optional<BreakoutPorts> ports;  // nullopt: every protocol and port
  size_t profile = 0;                  // with ports: its index in breakout_profiles

  bool OpensEverything() const { return !ports.has_value(); }
  std::string Describe() const;  // "teams.example.com udp/3478-3481"
};

struct EffectivePolicy {
  std::vector<std::string> tunnel_interfaces;             // present interfaces matching a pattern
  std::map<std::string, std::string> trusted_interfaces;  // interface -> trusted network name
  std::vector<GatewayEndpoint> gateways;
  std::vector<BreakoutDestination> breakout;
  // The distinct protocols-and-ports of the policy's breakout entries, in order of first use. A
  // policy property (also for names not resolved yet), so a name resolving later changes only
  // set elements, never the ruleset's structure.
  std::vector<BreakoutPorts> breakout_profiles;
  std::vector<LabeledNetwork> captive_portals;
  std::vector<Proxy> proxies;
  std::vector<IpAddress> dns_resolvers;  // policy's, and situation's while no tunnel is up; uid 0
  std::vector<IpAddress> tunnel_addresses;     // addresses on tunnel interfaces (input guard)
  std::vector<ProbeEndpoint> probe_endpoints;  // trusted-network HTTPS probes (uid 0, tcp)
  std::vector<std::string> portal_window_interfaces;  // HTTP/HTTPS + DNS open for a portal login
  LanAccess lan = LanAccess::kNone;
  VpnMode vpn_mode = VpnMode::kEnforce;  // report: nothing is blocked, would-blocks are logged
  std::vector<uint32_t> dhcp_client_uids;  // owners of DHCP client sockets (vpn.dhcp_client_users)
  std::string inspection_interface;  // threat-feed `inspect`: marked packets may leave here
  std::vector<std::string> unresolved_hosts;  // names the situation has no address for
  // Interfaces present but left out of every rule, and why: a name that cannot be written into
  // the ruleset, or one named like the tunnel whose link kind is not in vpn.tunnel_kinds. Traffic
  // over them is judged like over any untrusted interface (blocked).
  std::vector<std::string> ignored_interfaces;

  bool IsTunnel(const std::string& interface) const;
};

EffectivePolicy Resolve(const Policy& policy, const Situation& situation);

// The interface a flow is assumed to leave by when nobody says: the first non-tunnel interface
// of the situation, or "" when there is none.
std::string DefaultOutputInterface(const std::vector<InterfaceState>& interfaces,
                                   const EffectivePolicy& effective);

// Ranges that count as LAN when `lan: private`: private unicast plus local multicast/broadcast.
// Never derived from an interface's subnet (TunnelCrack LocalNet).
const std::vector<IpNetwork>& LanNetworks();

}  // namespace netwarden
