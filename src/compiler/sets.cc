// The named sets of the forced-VPN table, filled from the effective policy.
#include <algorithm>

#include "compiler/compiler.h"
#include "compiler/set_names.h"

namespace netwarden {
namespace {

constexpr IpFamily kFamilies[] = {IpFamily::kV4, IpFamily::kV6};

NamedSet& AddSet(Ruleset& ruleset, std::string name, SetKind kind, IpFamily family,
                 std::string purpose, bool situational = true) {
  NamedSet set;
  set.name = std::move(name);
  set.kind = kind;
  set.family = family;
  set.purpose = std::move(purpose);
  set.situational = situational;
  ruleset.sets.push_back(std::move(set));
  return ruleset.sets.back();
}

SetElement Host(const IpAddress& address) {
  SetElement element;
  element.network = IpNetwork::Host(address);
  return element;
}

void AddAddresses(NamedSet& set, const std::vector<IpAddress>& addresses) {
  for (const auto& address : addresses) {
    if (address.family() == set.family) set.elements.push_back(Host(address));
  }
}

void AddNetworks(NamedSet& set, std::vector<IpNetwork> networks) {
  networks.erase(std::remove_if(networks.begin(), networks.end(),
                                [&](const IpNetwork& n) { return n.family() != set.family; }),
                 networks.end());
  for (const auto& network : WithoutOverlaps(std::move(networks))) {
    SetElement element;
    element.network = network;
    set.elements.push_back(element);
  }
}

}  // namespace

std::vector<IpNetwork> WithoutOverlaps(std::vector<IpNetwork> networks) {
  // Sorted by base then by prefix length, a covering prefix comes before what it covers.
  std::sort(networks.begin(), networks.end(), [](const IpNetwork& a, const IpNetwork& b) {
    if (a.base() != b.base()) return a.base() < b.base();
    return a.prefix_len() < b.prefix_len();
  });
  std::vector<IpNetwork> kept;
  for (const auto& network : networks) {
    if (!kept.empty() && kept.back().Contains(network)) continue;
    kept.push_back(network);
  }
  return kept;
}

void AddForcedVpnSets(const EffectivePolicy& effective, Ruleset& ruleset) {
  auto& tunnels = AddSet(ruleset, set_name::kTunnelInterfaces, SetKind::kInterface, IpFamily::kV4,
                         "present tunnel interfaces (vpn.tunnel_interfaces)");
  for (const auto& name : effective.tunnel_interfaces) {
    tunnels.elements.push_back(SetElement{name, {}, {}, 0, 0});
  }
  auto& trusted = AddSet(ruleset, set_name::kTrustedInterfaces, SetKind::kInterface, IpFamily::kV4,
                         "interfaces on a verified trusted network");
  for (const auto& [name, network] : effective.trusted_interfaces) {
    trusted.elements.push_back(SetElement{name, {}, {}, 0, 0});
  }

  for (IpFamily family : kFamilies) {
    auto& any_user = AddSet(ruleset, set_name::Family(set_name::kGateways, family),
                            SetKind::kAddressProtoPort, family, "VPN gateway endpoints");
    auto& one_user = AddSet(ruleset, set_name::Family(set_name::kUserGateways, family),
                            SetKind::kAddressProtoPortUid, family,
                            "VPN gateway endpoints limited to one user");
    for (const auto& gateway : effective.gateways) {
      if (gateway.address.family() != family) continue;
      SetElement element = Host(gateway.address);
      element.protocol = gateway.protocol;
      element.port = gateway.port;
      element.uid = gateway.uid.value_or(0);
      (gateway.uid ? one_user : any_user).elements.push_back(element);
    }

    AddAddresses(AddSet(ruleset, set_name::Family(set_name::kDnsResolvers, family),
                        SetKind::kAddress, family, "resolvers root may query directly"),
                 effective.dns_resolvers);

    auto& proxies = AddSet(ruleset, set_name::Family(set_name::kProxies, family),
                           SetKind::kAddressPort, family, "proxies (tcp)");
    for (const auto& proxy : effective.proxies) {
      if (proxy.address.family() != family) continue;
      SetElement element = Host(proxy.address);
      element.port = proxy.port;
      proxies.elements.push_back(element);
    }

    std::vector<IpNetwork> breakout;
    for (const auto& entry : effective.breakout) breakout.push_back(entry.network);
    AddNetworks(AddSet(ruleset, set_name::Family(set_name::kBreakout, family), SetKind::kNetwork,
                       family, "local breakout destinations"),
                breakout);

    std::vector<IpNetwork> portals;
    for (const auto& entry : effective.captive_portals) portals.push_back(entry.network);
    AddNetworks(AddSet(ruleset, set_name::Family(set_name::kCaptivePortals, family),
                       SetKind::kNetwork, family, "captive portal login hosts (tcp 80, 443)"),
                portals);

    AddAddresses(AddSet(ruleset, set_name::Family(set_name::kTunnelAddresses, family),
                        SetKind::kAddress, family, "addresses of tunnel interfaces"),
                 effective.tunnel_addresses);

    if (effective.lan == LanAccess::kPrivate) {
      AddNetworks(AddSet(ruleset, set_name::Family(set_name::kLan, family), SetKind::kNetwork,
                         family, "private and link-local ranges (never a public subnet)",
                         /*situational=*/false),
                  LanNetworks());
    }
  }
}

}  // namespace netwarden
