#include "verify/states.h"

#include <algorithm>

#include "policy/policy_parser.h"
#include "verify/nft_values.h"

namespace netwarden::verify {
namespace {

bool IsTunnel(const Policy& policy, const std::string& name) {
  return std::any_of(policy.tunnel_interfaces.begin(), policy.tunnel_interfaces.end(),
                     [&](const std::string& pattern) { return InterfaceMatches(pattern, name); });
}

// A name the pattern matches: wildcards become "0".
std::string NameFor(const std::string& pattern) {
  std::string name;
  for (char c : pattern) {
    if (c == '*' || c == '?') {
      name += '0';
    } else if (c != '[' && c != ']') {
      name += c;
    }
  }
  return name.substr(0, 15);
}

InterfaceAddress Address(const char* text, int prefix_len) {
  return {*IpAddress::Parse(text), prefix_len};
}

}  // namespace

std::vector<NamedState> ReachableStates(const Policy& policy, const Situation& base) {
  Situation blocked;
  blocked.resolved = base.resolved;
  blocked.dns_resolvers = base.dns_resolvers;
  std::vector<InterfaceState> tunnels;
  for (const auto& interface : base.interfaces) {
    (IsTunnel(policy, interface.name) ? tunnels : blocked.interfaces).push_back(interface);
  }
  if (blocked.interfaces.empty())
    blocked.interfaces.push_back({"eth0", {Address("192.0.2.10", 24)}});
  if (tunnels.empty()) {
    for (const auto& pattern : policy.tunnel_interfaces) {
      const std::string name = NameFor(pattern);
      if (!name.empty() && InterfaceMatches(pattern, name)) {
        tunnels.push_back({name, {Address("10.99.0.2", 32), Address("fd99::2", 128)}});
        break;
      }
    }
  }
  std::vector<NamedState> states;
  Situation none;
  none.resolved = base.resolved;
  states.push_back({"no network", none});
  states.push_back({"blocked", blocked});
  if (!tunnels.empty()) {
    Situation tunnel = blocked;
    tunnel.interfaces.insert(tunnel.interfaces.end(), tunnels.begin(), tunnels.end());
    states.push_back({"tunnel", tunnel});
  }
  const std::string physical = blocked.interfaces.front().name;
  for (const auto& network : policy.trusted_networks) {
    Situation trusted = blocked;
    if (network.https_probe) trusted.verified_trusted.push_back({network.name, physical});
    if (network.interface_subnet) {
      // An address inside the subnet: the weak method trusts the interface for it.
      const IpNetwork& subnet = *network.interface_subnet;
      const IpAddress inside = AddressFromValue(
          AddressValue(subnet.base()) + (subnet.is_host() ? 0 : 1), subnet.family());
      trusted.interfaces.front().addresses.push_back({inside, subnet.prefix_len()});
    }
    states.push_back({"trusted " + network.name, trusted});
  }
  Situation portal = blocked;
  portal.portal_window_open = true;
  states.push_back({"portal window", portal});
  return states;
}

}  // namespace netwarden::verify
