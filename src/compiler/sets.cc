// The named sets of the forced-VPN table, filled from the effective policy.
#include <algorithm>

#include "compiler/compiler.h"
#include "compiler/set_names.h"

namespace netwarden {
namespace {

constexpr IpFamily kFamilies[] = {IpFamily::kV4, IpFamily::kV6};

// Sets are filled while local and appended when complete: references into ruleset.sets would
// dangle when the vector grows.
NamedSet MakeSet(std::string name, SetKind kind, IpFamily family, std::string purpose,
                 bool situational = true) {
  NamedSet set;
  set.name = std::move(name);
  set.kind = kind;
  set.family = family;
  set.purpose = std::move(purpose);
  set.situational = situational;
  return set;
}

SetElement Host(const IpAddress& address) {
  SetElement element;
  element.network = IpNetwork::Host(address);
  return element;
}

NamedSet WithAddresses(NamedSet set, const std::vector<IpAddress>& addresses) {
  for (const auto& address : addresses) {
    if (address.family() == set.family) set.elements.push_back(Host(address));
  }
  return set;
}

NamedSet WithNetworks(NamedSet set, std::vector<IpNetwork> networks) {
  networks.erase(std::remove_if(networks.begin(), networks.end(),
                                [&](const IpNetwork& n) { return n.family() != set.family; }),
                 networks.end());
  for (const auto& network : WithoutOverlaps(std::move(networks))) {
    SetElement element;
    element.network = network;
    set.elements.push_back(element);
  }
  return set;
}

NamedSet InterfaceSet(const char* name, std::string purpose,
                      const std::vector<std::string>& interfaces,
                      SetKind kind = SetKind::kInterface) {
  NamedSet set = MakeSet(name, kind, IpFamily::kV4, std::move(purpose));
  for (const auto& interface : interfaces) set.elements.push_back(SetElement{interface, {}, {}, 0, 0});
  return set;
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
  auto& sets = ruleset.sets;
  sets.push_back(InterfaceSet(set_name::kTunnelInterfaces,
                              "present tunnel interfaces (vpn.tunnel_interfaces)",
                              effective.tunnel_interfaces));
  std::vector<std::string> trusted;
  for (const auto& [name, network] : effective.trusted_interfaces) trusted.push_back(name);
  // By interface index, not name: if the laptop leaves the trusted network and its interface is
  // re-created under the same name, the kernel stops trusting it before the agent even reacts.
  sets.push_back(InterfaceSet(set_name::kTrustedInterfaces,
                              "interfaces on a verified trusted network", trusted,
                              SetKind::kInterfaceIndex));
  sets.push_back(InterfaceSet(set_name::kPortalWindowInterfaces,
                              "interfaces with an open captive-portal window",
                              effective.portal_window_interfaces));

  for (IpFamily family : kFamilies) {
    NamedSet any_user = MakeSet(set_name::Family(set_name::kGateways, family),
                                SetKind::kAddressProtoPort, family, "VPN gateway endpoints");
    NamedSet one_user =
        MakeSet(set_name::Family(set_name::kUserGateways, family), SetKind::kAddressProtoPortUid,
                family, "VPN gateway endpoints limited to one user");
    for (const auto& gateway : effective.gateways) {
      if (gateway.address.family() != family) continue;
      SetElement element = Host(gateway.address);
      element.protocol = gateway.protocol;
      element.port = gateway.port;
      element.uid = gateway.uid.value_or(0);
      (gateway.uid ? one_user : any_user).elements.push_back(element);
    }
    sets.push_back(std::move(any_user));
    sets.push_back(std::move(one_user));

    NamedSet probes = MakeSet(set_name::Family(set_name::kProbeEndpoints, family),
                              SetKind::kAddressPort, family, "trusted-network HTTPS probes (root, tcp)");
    for (const auto& probe : effective.probe_endpoints) {
      if (probe.address.family() != family) continue;
      SetElement element = Host(probe.address);
      element.port = probe.port;
      probes.elements.push_back(element);
    }
    sets.push_back(std::move(probes));

    sets.push_back(WithAddresses(MakeSet(set_name::Family(set_name::kDnsResolvers, family),
                                         SetKind::kAddress, family,
                                         "resolvers root may query directly"),
                                 effective.dns_resolvers));

    NamedSet proxies = MakeSet(set_name::Family(set_name::kProxies, family), SetKind::kAddressPort,
                               family, "proxies (tcp)");
    for (const auto& proxy : effective.proxies) {
      if (proxy.address.family() != family) continue;
      SetElement element = Host(proxy.address);
      element.port = proxy.port;
      proxies.elements.push_back(element);
    }
    sets.push_back(std::move(proxies));

    std::vector<IpNetwork> breakout;
    for (const auto& entry : effective.breakout) {
      if (entry.OpensEverything()) breakout.push_back(entry.network);
    }
    sets.push_back(WithNetworks(MakeSet(set_name::Family(set_name::kBreakout, family),
                                        SetKind::kNetwork, family, "local breakout destinations"),
                                breakout));
    // One interval set per protocols-and-ports profile: prefixes that open the same ports share
    // one set (and one rule), whatever their number.
    for (size_t profile = 0; profile < effective.breakout_profiles.size(); ++profile) {
      std::vector<IpNetwork> networks;
      for (const auto& entry : effective.breakout) {
        if (!entry.OpensEverything() && entry.profile == profile) networks.push_back(entry.network);
      }
      sets.push_back(WithNetworks(
          MakeSet(set_name::BreakoutProfile(profile, family), SetKind::kNetwork, family,
                  "local breakout destinations, " +
                      effective.breakout_profiles[profile].ToString() + " only"),
          networks));
    }

    std::vector<IpNetwork> portals;
    for (const auto& entry : effective.captive_portals) portals.push_back(entry.network);
    sets.push_back(WithNetworks(MakeSet(set_name::Family(set_name::kCaptivePortals, family),
                                        SetKind::kNetwork, family,
                                        "captive portal login hosts (tcp 80, 443)"),
                                portals));

    sets.push_back(WithAddresses(MakeSet(set_name::Family(set_name::kTunnelAddresses, family),
                                         SetKind::kAddress, family,
                                         "addresses of tunnel interfaces"),
                                 effective.tunnel_addresses));

    if (effective.lan == LanAccess::kPrivate) {
      sets.push_back(WithNetworks(
          MakeSet(set_name::Family(set_name::kLan, family), SetKind::kNetwork, family,
                  "private and link-local ranges (never a public subnet)", /*situational=*/false),
          LanNetworks()));
    }
  }
}

}  // namespace netwarden
