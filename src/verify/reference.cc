#include "verify/reference.h"

#include "policy/rule_ids.h"
#include "policy/threats_policy.h"
#include "verify/nft_values.h"

namespace netwarden::verify {
namespace {

using Interval = IntervalSet::Interval;

// A cube under construction: every packet of the family, narrowed field by field.
class CubeBuilder {
 public:
  explicit CubeBuilder(IpFamily family) : family_(family), cube_(FullCube(family)) {}
  CubeBuilder& Values(Field field, IntervalSet values) {
    values = values.Intersect(cube_[field]);
    empty_ |= values.empty();
    cube_.fields[field] = Share(std::move(values));
    return *this;
  }
  CubeBuilder& Point(Field field, Value value) { return Values(field, IntervalSet::Point(value)); }
  CubeBuilder& Points(Field field, const std::vector<Value>& values) {
    std::vector<Interval> intervals;
    for (Value v : values) intervals.push_back({v, v});
    return Values(field, IntervalSet::FromIntervals(std::move(intervals)));
  }
  void AddTo(Region& region) const {
    if (!empty_) region.push_back(cube_);
  }
  IpFamily family() const { return family_; }

 private:
  IpFamily family_;
  Cube cube_;
  bool empty_ = false;
};

Value Protocol(Transport transport) { return transport == Transport::kTcp ? kProtoTcp : kProtoUdp; }

IntervalSet Interfaces(const std::vector<std::string>& names, InterfaceNames& interfaces) {
  std::vector<Interval> ids;
  for (const auto& name : names) {
    const Value id = interfaces.Id(name);
    ids.push_back({id, id});
  }
  return IntervalSet::FromIntervals(std::move(ids));
}

std::vector<std::string> TrustedNames(const EffectivePolicy& effective) {
  std::vector<std::string> names;
  for (const auto& [name, network] : effective.trusted_interfaces) names.push_back(name);
  return names;
}

IntervalSet Addresses(const std::vector<IpAddress>& addresses, IpFamily family) {
  std::vector<Interval> values;
  for (const auto& address : addresses) {
    if (address.family() == family)
      values.push_back({AddressValue(address), AddressValue(address)});
  }
  return IntervalSet::FromIntervals(std::move(values));
}

IntervalSet Networks(const std::vector<IpNetwork>& networks, IpFamily family) {
  std::vector<Interval> values;
  for (const auto& network : networks) {
    if (network.family() != family) continue;
    const int width = family == IpFamily::kV4 ? 32 : 128;
    const Value base = AddressValue(network.base());
    const Value host = network.prefix_len() == 0 ? FieldMax(kDaddr, family)
                                                 : (Value(1) << (width - network.prefix_len())) - 1;
    values.push_back({base, base | host});
  }
  return IntervalSet::FromIntervals(std::move(values));
}

std::vector<IpNetwork> NetworksOf(const std::vector<LabeledNetwork>& labeled) {
  std::vector<IpNetwork> out;
  for (const auto& entry : labeled) out.push_back(entry.network);
  return out;
}

IntervalSet IcmpType(uint8_t type) {
  return IntervalSet::Range(Value(type) << 8, (Value(type) << 8) | 0xff);
}

// The rules of the decision function (and of the property: their accepting parts).
struct Parts {
  IpFamily family;
  InterfaceNames& interfaces;
  const EffectivePolicy& effective;
  CubeBuilder Any() const { return CubeBuilder(family); }
};

// DHCP requests from the DHCP client users' sockets only (vpn.dhcp_client_users).
void AddDhcp(const Parts& p, Region& region) {
  for (const uint32_t uid : p.effective.dhcp_client_uids) {
    p.Any().Point(kL4proto, kProtoUdp).Point(kThSport, 68).Point(kThDport, 67).Point(kUid, uid)
        .AddTo(region);
    p.Any().Point(kL4proto, kProtoUdp).Point(kThSport, 546).Point(kThDport, 547).Point(kUid, uid)
        .AddTo(region);
  }
}

void AddGateways(const Parts& p, Region& region) {
  for (const auto& gateway : p.effective.gateways) {
    if (gateway.address.family() != p.family) continue;
    CubeBuilder cube = p.Any();
    cube.Point(kDaddr, AddressValue(gateway.address))
        .Point(kL4proto, Protocol(gateway.protocol))
        .Point(kThDport, gateway.port);
    if (gateway.uid) cube.Point(kUid, *gateway.uid);
    cube.AddTo(region);
  }
}

void AddProbes(const Parts& p, Region& region) {
  for (const auto& probe : p.effective.probe_endpoints) {
    if (probe.address.family() != p.family) continue;
    p.Any()
        .Point(kUid, 0)
        .Point(kL4proto, kProtoTcp)
        .Point(kDaddr, AddressValue(probe.address))
        .Point(kThDport, probe.port)
        .AddTo(region);
  }
}

void AddRootDns(const Parts& p, Region& region) {
  p.Any()
      .Point(kUid, 0)
      .Points(kL4proto, {kProtoTcp, kProtoUdp})
      .Point(kThDport, 53)
      .Values(kDaddr, Addresses(p.effective.dns_resolvers, p.family))
      .AddTo(region);
}

void AddPortalDns(const Parts& p, Region& region) {
  p.Any()
      .Values(kOif, Interfaces(p.effective.portal_window_interfaces, p.interfaces))
      .Points(kL4proto, {kProtoTcp, kProtoUdp})
      .Point(kThDport, 53)
      .Values(kDaddr, Addresses(p.effective.dns_resolvers, p.family))
      .AddTo(region);
}

void AddPortalWeb(const Parts& p, Region& region) {
  p.Any()
      .Values(kOif, Interfaces(p.effective.portal_window_interfaces, p.interfaces))
      .Point(kL4proto, kProtoTcp)
      .Points(kThDport, {80, 443})
      .AddTo(region);
}

void AddProxies(const Parts& p, Region& region) {
  for (const auto& proxy : p.effective.proxies) {
    if (proxy.address.family() != p.family) continue;
    p.Any()
        .Point(kL4proto, kProtoTcp)
        .Point(kDaddr, AddressValue(proxy.address))
        .Point(kThDport, proxy.port)
        .AddTo(region);
  }
}

IntervalSet Ports(const std::vector<PortRange>& ranges) {
  std::vector<Interval> values;
  for (const auto& range : ranges) values.push_back({range.first, range.last});
  return IntervalSet::FromIntervals(std::move(values));
}

// Entries that open everything: one cube of all their prefixes; the others: a cube each, of
// their prefix, protocols and ports.
void AddBreakout(const Parts& p, Region& region) {
  std::vector<IpNetwork> everything;
  for (const auto& entry : p.effective.breakout) {
    if (entry.OpensEverything()) {
      everything.push_back(entry.network);
    } else if (entry.network.family() == p.family) {
      std::vector<Value> protocols;
      for (Transport t : entry.ports->protocols) protocols.push_back(Protocol(t));
      p.Any()
          .Values(kDaddr, Networks({entry.network}, p.family))
          .Points(kL4proto, protocols)
          .Values(kThDport, Ports(entry.ports->ports))
          .AddTo(region);
    }
  }
  p.Any().Values(kDaddr, Networks(everything, p.family)).AddTo(region);
}

void AddCaptivePortals(const Parts& p, Region& region) {
  p.Any()
      .Point(kL4proto, kProtoTcp)
      .Points(kThDport, {80, 443})
      .Values(kDaddr, Networks(NetworksOf(p.effective.captive_portals), p.family))
      .AddTo(region);
}

void AddLan(const Parts& p, Field field, Region& region) {
  if (p.effective.lan != LanAccess::kPrivate) return;
  p.Any().Values(field, Networks(LanNetworks(), p.family)).AddTo(region);
}

void AddWaysOut(const Parts& p, Region& region) {
  p.Any().Values(kOif, Interfaces(p.effective.tunnel_interfaces, p.interfaces)).AddTo(region);
  p.Any().Values(kOif, Interfaces(TrustedNames(p.effective), p.interfaces)).AddTo(region);
}

// Marked packets leave only by the inspection interface (the threat table's postrouting guard
// enforces that; the property states it).
void AddInspection(const Parts& p, Region& region) {
  if (p.effective.inspection_interface.empty()) return;
  p.Any()
      .Point(kMark, kInspectMark)
      .Point(kOif, p.interfaces.Id(p.effective.inspection_interface))
      .AddTo(region);
}

}  // namespace

Region AllowedOutput(const EffectivePolicy& effective, IpFamily family,
                     InterfaceNames& interfaces) {
  const Parts p{family, interfaces, effective};
  Region region;
  p.Any().Point(kOif, interfaces.Id("lo")).AddTo(region);
  AddWaysOut(p, region);
  AddDhcp(p, region);
  // Neighbour discovery and MLD reports: link-local control traffic IPv6 needs to work at all.
  p.Any()
      .Point(kL4proto, kProtoIcmpv6)
      .Values(kThSport,
              IcmpType(133).Union(IcmpType(135)).Union(IcmpType(136)).Union(IcmpType(143)))
      .AddTo(region);
  AddInspection(p, region);
  AddGateways(p, region);
  AddProbes(p, region);
  AddRootDns(p, region);
  AddPortalDns(p, region);
  AddPortalWeb(p, region);
  AddProxies(p, region);
  AddBreakout(p, region);
  AddCaptivePortals(p, region);
  AddLan(p, kDaddr, region);
  return region;
}

Region AllowedForward(const EffectivePolicy& effective, IpFamily family,
                      InterfaceNames& interfaces) {
  const Parts p{family, interfaces, effective};
  Region region;
  AddWaysOut(p, region);
  AddLan(p, kDaddr, region);
  AddInspection(p, region);
  const IntervalSet replies = IntervalSet::Range(kCtEstablished, kCtRelated);
  p.Any()
      .Values(kCtState, replies)
      .Values(kIif, Interfaces(effective.tunnel_interfaces, interfaces))
      .AddTo(region);
  p.Any()
      .Values(kCtState, replies)
      .Values(kIif, Interfaces(TrustedNames(effective), interfaces))
      .AddTo(region);
  if (effective.lan == LanAccess::kPrivate) {
    p.Any().Values(kCtState, replies).Values(kSaddr, Networks(LanNetworks(), family)).AddTo(region);
  }
  if (!effective.inspection_interface.empty()) {
    p.Any()
        .Values(kCtState, replies)
        .Point(kIif, interfaces.Id(effective.inspection_interface))
        .AddTo(region);
  }
  return region;
}

Region ForbiddenInput(const EffectivePolicy& effective, IpFamily family,
                      InterfaceNames& interfaces) {
  std::vector<std::string> allowed = effective.tunnel_interfaces;
  allowed.push_back("lo");
  Region region;
  CubeBuilder(family)
      .Values(kDaddr, Addresses(effective.tunnel_addresses, family))
      .Values(
          kIif,
          IntervalSet::Range(0, FieldMax(kIif, family)).Subtract(Interfaces(allowed, interfaces)))
      .AddTo(region);
  return region;
}

Region DecisionDomain(IpFamily family) {
  Region region;
  const IntervalSet with_socket = IntervalSet::Range(0, kNoSocket - 1);
  CubeBuilder(family)
      .Points(kL4proto, {kProtoTcp, kProtoUdp})
      .Values(kUid, with_socket)
      .AddTo(region);
  const bool v4 = family == IpFamily::kV4;
  CubeBuilder(family)
      .Point(kL4proto, v4 ? kProtoIcmp : kProtoIcmpv6)
      .Values(kThSport, IcmpType(v4 ? 8 : 128))
      .Values(kUid, with_socket)
      .AddTo(region);
  return region;
}

std::vector<ReferenceRule> ReferenceRules(const EffectivePolicy& effective, IpFamily family,
                                          InterfaceNames& interfaces) {
  using namespace rule_id;
  const Parts p{family, interfaces, effective};
  std::vector<ReferenceRule> rules;
  auto add = [&](bool allow, const char* id, auto&& fill) {
    ReferenceRule rule{{}, allow, id};
    fill(rule.match);
    rules.push_back(std::move(rule));
  };
  add(true, kLoopback, [&](Region& r) { p.Any().Point(kOif, interfaces.Id("lo")).AddTo(r); });
  add(true, kDhcp, [&](Region& r) { AddDhcp(p, r); });
  add(true, kTunnel, [&](Region& r) {
    p.Any().Values(kOif, Interfaces(effective.tunnel_interfaces, interfaces)).AddTo(r);
  });
  add(true, kTrusted, [&](Region& r) {
    p.Any().Values(kOif, Interfaces(TrustedNames(effective), interfaces)).AddTo(r);
  });
  if (!effective.inspection_interface.empty()) {
    add(true, kInspection, [&](Region& r) { p.Any().Point(kMark, kInspectMark).AddTo(r); });
  }
  add(true, kGateway, [&](Region& r) { AddGateways(p, r); });
  add(true, kTrustProbe, [&](Region& r) { AddProbes(p, r); });
  add(true, kDnsResolver, [&](Region& r) { AddRootDns(p, r); });
  add(true, kPortalWindow, [&](Region& r) { AddPortalDns(p, r); });
  add(false, kDnsBlock, [&](Region& r) {
    p.Any().Points(kL4proto, {kProtoTcp, kProtoUdp}).Points(kThDport, {53, 853}).AddTo(r);
  });
  add(true, kPortalWindow, [&](Region& r) { AddPortalWeb(p, r); });
  add(true, kProxy, [&](Region& r) { AddProxies(p, r); });
  add(true, kBreakout, [&](Region& r) { AddBreakout(p, r); });
  add(true, kCaptivePortal, [&](Region& r) { AddCaptivePortals(p, r); });
  add(true, kLan, [&](Region& r) { AddLan(p, kDaddr, r); });
  add(false, kDefaultBlock, [&](Region& r) { p.Any().AddTo(r); });
  return rules;
}

}  // namespace netwarden::verify
