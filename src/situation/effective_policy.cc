#include "situation/effective_policy.h"

#include <algorithm>

#include "core/interface_name.h"
#include "policy/policy_parser.h"

namespace netwarden {
namespace {

const std::vector<IpAddress>* Lookup(const Situation& situation, const std::string& host,
                                     std::vector<std::string>& unresolved) {
  auto found = situation.resolved.find(host);
  if (found == situation.resolved.end() || found->second.empty()) {
    if (std::find(unresolved.begin(), unresolved.end(), host) == unresolved.end()) {
      unresolved.push_back(host);
    }
    return nullptr;
  }
  return &found->second;
}

void AddUnique(std::vector<IpAddress>& list, const IpAddress& address) {
  if (std::find(list.begin(), list.end(), address) == list.end()) list.push_back(address);
}

}  // namespace

std::string BreakoutPorts::ToString() const {
  std::string text;
  for (Transport protocol : protocols) {
    text += (text.empty() ? "" : "+") + std::string(TransportName(protocol));
  }
  if (ports == std::vector<PortRange>{kEveryPort}) return text;
  return text + "/" + PortRangesText(ports);
}

std::string BreakoutDestination::Describe() const {
  return ports ? label + " " + ports->ToString() : label;
}

bool EffectivePolicy::IsTunnel(const std::string& interface) const {
  return std::find(tunnel_interfaces.begin(), tunnel_interfaces.end(), interface) !=
         tunnel_interfaces.end();
}

std::string DefaultOutputInterface(const std::vector<InterfaceState>& interfaces,
                                   const EffectivePolicy& effective) {
  for (const auto& interface : interfaces) {
    if (!effective.IsTunnel(interface.name)) return interface.name;
  }
  return "";
}

const std::vector<IpNetwork>& LanNetworks() {
  static const std::vector<IpNetwork> kNetworks = [] {
    std::vector<IpNetwork> networks(PrivateNetworks().begin(), PrivateNetworks().end());
    for (const char* extra : {"224.0.0.0/24", "255.255.255.255/32", "ff02::/16"}) {
      networks.push_back(*IpNetwork::Parse(extra));
    }
    return networks;
  }();
  return kNetworks;
}

EffectivePolicy Resolve(const Policy& policy, const Situation& situation) {
  EffectivePolicy effective;
  effective.lan = policy.lan;
  effective.vpn_mode = policy.vpn ? policy.vpn->mode : VpnMode::kEnforce;
  if (policy.vpn) effective.dhcp_client_uids = policy.vpn->dhcp_client_uids;
  effective.inspection_interface = InspectionInterfaceInUse(policy.threats);
  effective.proxies = policy.proxies;

  for (const auto& interface : situation.interfaces) {
    // A name that cannot be written into nft text safely is in no allow-list at all: fail
    // closed, and every other interface's rules still apply (issue 14, item 12).
    if (auto problem = InterfaceNameProblem(interface.name)) {
      effective.ignored_interfaces.push_back(*problem + ": left out of every rule");
      continue;
    }
    // The inspection interface is never the VPN tunnel, even when a pattern ("wg*") matches it:
    // it carries only what the threat table marks.
    const bool named_like_tunnel =
        interface.name != policy.threats.inspection_interface &&
        std::any_of(
            policy.tunnel_interfaces.begin(), policy.tunnel_interfaces.end(),
            [&](const std::string& pattern) { return InterfaceMatches(pattern, interface.name); });
    // The name alone proves nothing: a veth, macvlan or bridge can be called "wg0". An unknown
    // kind (a situation file that does not say) is taken at its word.
    const bool kind_allowed =
        !interface.kind || std::find(policy.tunnel_kinds.begin(), policy.tunnel_kinds.end(),
                                     *interface.kind) != policy.tunnel_kinds.end();
    if (named_like_tunnel && !kind_allowed) {
      effective.ignored_interfaces.push_back(
          "interface '" + interface.name + "' is named like a tunnel but its link kind is '" +
          *interface.kind + "', not one of vpn.tunnel_kinds: not a tunnel");
    }
    if (named_like_tunnel && kind_allowed) {
      effective.tunnel_interfaces.push_back(interface.name);
      for (const auto& address : interface.addresses) {
        AddUnique(effective.tunnel_addresses, address.address);
      }
      continue;  // a tunnel is never a "trusted network" itself
    }
    for (const auto& network : policy.trusted_networks) {
      if (!network.interface_subnet) continue;
      for (const auto& address : interface.addresses) {
        if (network.interface_subnet->Contains(address.address)) {
          effective.trusted_interfaces.emplace(interface.name, network.name);
        }
      }
    }
  }
  for (const auto& verified : situation.verified_trusted) {
    const bool known = std::any_of(
        policy.trusted_networks.begin(), policy.trusted_networks.end(),
        [&](const TrustedNetwork& network) { return network.name == verified.network; });
    if (known && !InterfaceNameProblem(verified.interface)) {
      effective.trusted_interfaces[verified.interface] = verified.network;
    }
  }

  for (const auto& gateway : policy.gateways) {
    std::vector<IpAddress> addresses;
    if (gateway.address) {
      addresses.push_back(*gateway.address);
    } else if (auto* found = Lookup(situation, gateway.host, effective.unresolved_hosts)) {
      addresses = *found;
    }
    for (const auto& address : addresses) {
      effective.gateways.push_back(
          {address, gateway.protocol, gateway.port, gateway.uid, gateway.Label(), gateway.where});
    }
  }

  for (const auto& entry : policy.breakout) {
    BreakoutDestination destination{{IpNetwork(), entry.Target(), entry.where}, {}, 0};
    if (!entry.OpensEverything()) {
      BreakoutPorts ports;
      ports.protocols = entry.protocol ? std::vector<Transport>{*entry.protocol}
                                       : std::vector<Transport>{Transport::kTcp, Transport::kUdp};
      ports.ports = entry.ports.empty() ? std::vector<PortRange>{kEveryPort} : entry.ports;
      auto& profiles = effective.breakout_profiles;
      auto found = std::find(profiles.begin(), profiles.end(), ports);
      destination.profile = static_cast<size_t>(found - profiles.begin());
      if (found == profiles.end()) profiles.push_back(ports);
      destination.ports = std::move(ports);
    }
    if (entry.cidr) {
      destination.network = *entry.cidr;
      effective.breakout.push_back(destination);
    } else if (auto* found = Lookup(situation, entry.host, effective.unresolved_hosts)) {
      for (const auto& address : *found) {
        destination.network = IpNetwork::Host(address);
        effective.breakout.push_back(destination);
      }
    }
  }
  for (const auto& portal : policy.captive_portal) {
    if (auto* found = Lookup(situation, portal.host, effective.unresolved_hosts)) {
      for (const auto& address : *found) {
        effective.captive_portals.push_back({IpNetwork::Host(address), portal.host, portal.where});
      }
    }
  }

  for (const auto& network : policy.trusted_networks) {
    if (!network.https_probe) continue;
    const HttpsProbe& probe = *network.https_probe;
    std::vector<IpAddress> addresses;
    if (auto literal = IpAddress::Parse(probe.host)) {
      addresses.push_back(*literal);
    } else if (auto* found = Lookup(situation, probe.host, effective.unresolved_hosts)) {
      addresses = *found;
    }
    for (const auto& address : addresses) {
      effective.probe_endpoints.push_back({address, probe.port, network.name});
    }
  }
  // The window is for reaching the portal before the tunnel exists: with a tunnel up it opens
  // nothing (a hostile network could otherwise keep plaintext web open beside the tunnel).
  if (situation.portal_window_open && effective.tunnel_interfaces.empty()) {
    for (const auto& interface : situation.interfaces) {
      if (!effective.IsTunnel(interface.name) && !InterfaceNameProblem(interface.name)) {
        effective.portal_window_interfaces.push_back(interface.name);
      }
    }
  }

  for (const auto& address : policy.dns_resolvers) AddUnique(effective.dns_resolvers, address);
  // The network's resolvers are reachable directly only while no tunnel is up: with a tunnel,
  // resolv.conf usually names the VPN's resolver, and routes pushed on the physical interface
  // (TunnelVision) would otherwise carry root's queries to it in plaintext. Policy-listed
  // resolvers stay allowed: the administrator chose them.
  if (effective.tunnel_interfaces.empty()) {
    for (const auto& address : situation.dns_resolvers) AddUnique(effective.dns_resolvers, address);
  }
  return effective;
}

}  // namespace netwarden
