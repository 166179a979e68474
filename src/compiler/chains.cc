// The chains of the forced-VPN table. The output chain's order is the reference decision
// function's order (decision/decide.cc); the differential lab test holds the two together.
#include "compiler/compiler.h"
#include "compiler/set_names.h"
#include "policy/rule_ids.h"

namespace netwarden {
namespace {

using Kind = Match::Kind;
constexpr IpFamily kFamilies[] = {IpFamily::kV4, IpFamily::kV6};
const std::vector<Transport> kTcpUdp = {Transport::kTcp, Transport::kUdp};

Match Simple(Kind kind) { return Match{kind, {}, IpFamily::kV4, {}, {}, 0, {}, {}, 0, {}}; }

Match InSet(Kind kind, std::string set, IpFamily family = IpFamily::kV4) {
  Match match = Simple(kind);
  match.set = std::move(set);
  match.family = family;
  return match;
}

Match Ports(Kind kind, std::vector<Transport> protocols, std::vector<uint16_t> ports) {
  Match match = Simple(kind);
  match.protocols = std::move(protocols);
  match.ports = std::move(ports);
  return match;
}

Match Uid(uint32_t uid) {
  Match match = Simple(Kind::kUidIs);
  match.uid = uid;
  return match;
}

Match InputInterfaceNamed(std::string interface) {
  Match match = Simple(Kind::kInputInterfaceIs);
  match.interface = std::move(interface);
  return match;
}

Match Mark(uint32_t mark) {
  Match match = Simple(Kind::kMarkIs);
  match.mark = mark;
  return match;
}

Match Icmpv6(std::vector<std::string> types) {
  Match match = Simple(Kind::kIcmpv6TypeIn);
  match.icmpv6_types = std::move(types);
  return match;
}

// A breakout profile's protocols and ports; every port of a protocol is the protocol alone.
Match BreakoutPortsMatch(const BreakoutPorts& profile) {
  if (profile.ports == std::vector<PortRange>{kEveryPort}) {
    Match match = Simple(Kind::kProtocolIn);
    match.protocols = profile.protocols;
    return match;
  }
  Match match = Simple(Kind::kDestinationPortRangeIn);
  match.protocols = profile.protocols;
  match.port_ranges = profile.ports;
  return match;
}

Rule Accept(const char* id, std::vector<Match> matches) {
  return Rule{id, std::move(matches), Action::kAccept};
}

Match DnsPorts() { return Ports(Kind::kDestinationPortIn, kTcpUdp, {53, 853}); }

void AddLanRule(const EffectivePolicy& effective, Chain& chain, Kind kind) {
  if (effective.lan != LanAccess::kPrivate) return;
  for (IpFamily family : kFamilies) {
    chain.rules.push_back(
        Accept(rule_id::kLan, {InSet(kind, set_name::Family(set_name::kLan, family), family)}));
  }
}

// Where a packet may leave whatever its destination: a tunnel, a verified trusted network, and
// (marked by the threat table) the inspection interface. The same for this host and for the
// containers and VMs it forwards for.
void AddWaysOut(const EffectivePolicy& effective, std::vector<Rule>& rules) {
  rules.push_back(Accept(rule_id::kTunnel,
                         {InSet(Kind::kOutputInterfaceInSet, set_name::kTunnelInterfaces)}));
  rules.push_back(Accept(rule_id::kTrusted,
                         {InSet(Kind::kOutputInterfaceInSet, set_name::kTrustedInterfaces)}));
  if (!effective.inspection_interface.empty()) {
    // The mark alone: after the route chain re-routes a packet, the output hook's later chains
    // still see the original output interface (only postrouting sees the new one). A postrouting
    // guard in the threat table drops marked packets that would leave by any other interface, so
    // the mark cannot open the uplink.
    rules.push_back(Accept(rule_id::kInspection, {Mark(kInspectMark)}));
  }
}

Chain OutputChain(const EffectivePolicy& effective) {
  Chain chain{"output", Hook::kOutput, {}};
  auto& rules = chain.rules;
  rules.push_back(Accept(rule_id::kLoopback, {Simple(Kind::kOutputLoopback)}));
  // No "established" shortcut on the way out: every packet is judged by where it leaves, so a
  // connection opened through the tunnel (or on a trusted network) cannot continue in plaintext
  // when routes move it to a physical interface (TunnelVision) or trust is withdrawn.
  // DHCP client requests only from the DHCP clients' users (one rule per uid keeps every rule a
  // plain match); the replies are accepted by the input chain in their shape only.
  for (uint32_t uid : effective.dhcp_client_uids) {
    rules.push_back(Accept(rule_id::kDhcp,
                           {Ports(Kind::kSourcePortIn, {Transport::kUdp}, {68}),
                            Ports(Kind::kDestinationPortIn, {Transport::kUdp}, {67}), Uid(uid)}));
    rules.push_back(Accept(rule_id::kDhcp,
                           {Ports(Kind::kSourcePortIn, {Transport::kUdp}, {546}),
                            Ports(Kind::kDestinationPortIn, {Transport::kUdp}, {547}), Uid(uid)}));
  }
  rules.push_back(Accept(rule_id::kNdp, {Icmpv6({"nd-router-solicit", "nd-neighbor-solicit",
                                                 "nd-neighbor-advert", "mld2-listener-report"})}));
  AddWaysOut(effective, rules);
  for (IpFamily family : kFamilies) {
    rules.push_back(Accept(rule_id::kGateway,
                           {InSet(Kind::kDestinationTupleInSet,
                                  set_name::Family(set_name::kGateways, family), family)}));
    rules.push_back(Accept(rule_id::kGateway,
                           {InSet(Kind::kDestinationTupleInSet,
                                  set_name::Family(set_name::kUserGateways, family), family)}));
  }
  for (IpFamily family : kFamilies) {
    rules.push_back(Accept(rule_id::kTrustProbe,
                           {Uid(0), InSet(Kind::kDestinationTupleInSet,
                                          set_name::Family(set_name::kProbeEndpoints, family),
                                          family)}));
  }
  for (IpFamily family : kFamilies) {
    rules.push_back(Accept(rule_id::kDnsResolver,
                           {Uid(0), Ports(Kind::kDestinationPortIn, kTcpUdp, {53}),
                            InSet(Kind::kDestinationInSet,
                                  set_name::Family(set_name::kDnsResolvers, family), family)}));
  }
  for (IpFamily family : kFamilies) {
    rules.push_back(Accept(rule_id::kPortalWindow,
                           {InSet(Kind::kOutputInterfaceInSet, set_name::kPortalWindowInterfaces),
                            Ports(Kind::kDestinationPortIn, kTcpUdp, {53}),
                            InSet(Kind::kDestinationInSet,
                                  set_name::Family(set_name::kDnsResolvers, family), family)}));
  }
  rules.push_back(Rule{rule_id::kDnsBlock, {DnsPorts()}, Action::kReject});
  rules.push_back(Accept(rule_id::kPortalWindow,
                         {InSet(Kind::kOutputInterfaceInSet, set_name::kPortalWindowInterfaces),
                          Ports(Kind::kDestinationPortIn, {Transport::kTcp}, {80, 443})}));
  for (IpFamily family : kFamilies) {
    rules.push_back(Accept(rule_id::kProxy,
                           {InSet(Kind::kDestinationTupleInSet,
                                  set_name::Family(set_name::kProxies, family), family)}));
  }
  for (IpFamily family : kFamilies) {
    rules.push_back(Accept(rule_id::kBreakout,
                           {InSet(Kind::kDestinationInSet,
                                  set_name::Family(set_name::kBreakout, family), family)}));
  }
  for (size_t profile = 0; profile < effective.breakout_profiles.size(); ++profile) {
    for (IpFamily family : kFamilies) {
      rules.push_back(Accept(
          rule_id::kBreakout,
          {BreakoutPortsMatch(effective.breakout_profiles[profile]),
           InSet(Kind::kDestinationInSet, set_name::BreakoutProfile(profile, family), family)}));
    }
  }
  for (IpFamily family : kFamilies) {
    rules.push_back(Accept(rule_id::kCaptivePortal,
                           {Ports(Kind::kDestinationPortIn, {Transport::kTcp}, {80, 443}),
                            InSet(Kind::kDestinationInSet,
                                  set_name::Family(set_name::kCaptivePortals, family), family)}));
  }
  AddLanRule(effective, chain, Kind::kDestinationInSet);
  rules.push_back(Rule{rule_id::kDefaultBlock, {}, Action::kReject});
  return chain;
}

Chain InputChain(const EffectivePolicy& effective) {
  Chain chain{"input", Hook::kInput, {}};
  auto& rules = chain.rules;
  rules.push_back(Accept(rule_id::kLoopback, {Simple(Kind::kInputLoopback)}));
  // CVE-2019-14899: packets for the tunnel's address must have come through the tunnel.
  for (IpFamily family : kFamilies) {
    rules.push_back(Rule{rule_id::kTunnelAddressGuard,
                         {InSet(Kind::kDestinationInSet,
                                set_name::Family(set_name::kTunnelAddresses, family), family),
                          InSet(Kind::kInputInterfaceNotInSet, set_name::kTunnelInterfaces)},
                         Action::kDrop});
  }
  rules.push_back(Accept(rule_id::kEstablished, {Simple(Kind::kConnectionEstablished)}));
  rules.push_back(Accept(rule_id::kDhcp, {Ports(Kind::kSourcePortIn, {Transport::kUdp}, {67}),
                                          Ports(Kind::kDestinationPortIn, {Transport::kUdp}, {68})}));
  rules.push_back(Accept(rule_id::kDhcp, {Ports(Kind::kSourcePortIn, {Transport::kUdp}, {547}),
                                          Ports(Kind::kDestinationPortIn, {Transport::kUdp}, {546})}));
  rules.push_back(Accept(rule_id::kNdp, {Icmpv6({"nd-router-advert", "nd-neighbor-solicit",
                                                 "nd-neighbor-advert", "nd-redirect"})}));
  rules.push_back(Accept(rule_id::kTunnel,
                         {InSet(Kind::kInputInterfaceInSet, set_name::kTunnelInterfaces)}));
  rules.push_back(Accept(rule_id::kTrusted,
                         {InSet(Kind::kInputInterfaceInSet, set_name::kTrustedInterfaces)}));
  AddLanRule(effective, chain, Kind::kSourceInSet);
  rules.push_back(Rule{rule_id::kDefaultBlock, {}, Action::kDrop});
  return chain;
}

// Containers and VMs route through the host: without this chain they would bypass the lockdown.
Chain ForwardChain(const EffectivePolicy& effective) {
  Chain chain{"forward", Hook::kForward, {}};
  auto& rules = chain.rules;
  // Replies coming back to containers/VMs; their outbound packets are judged like new ones.
  rules.push_back(Accept(rule_id::kEstablished,
                         {Simple(Kind::kConnectionEstablished),
                          InSet(Kind::kInputInterfaceInSet, set_name::kTunnelInterfaces)}));
  rules.push_back(Accept(rule_id::kEstablished,
                         {Simple(Kind::kConnectionEstablished),
                          InSet(Kind::kInputInterfaceInSet, set_name::kTrustedInterfaces)}));
  if (effective.lan == LanAccess::kPrivate) {
    for (IpFamily family : kFamilies) {
      rules.push_back(Accept(rule_id::kEstablished,
                             {Simple(Kind::kConnectionEstablished),
                              InSet(Kind::kSourceInSet, set_name::Family(set_name::kLan, family),
                                    family)}));
    }
  }
  if (!effective.inspection_interface.empty()) {
    // LAN hosts' inspected connections: marked in prerouting, routed into the inspection interface
    // (here the forward hook does see it); their replies come back from it.
    rules.push_back(Accept(rule_id::kInspection,
                           {Simple(Kind::kConnectionEstablished),
                            InputInterfaceNamed(effective.inspection_interface)}));
  }
  AddWaysOut(effective, rules);
  rules.push_back(Rule{rule_id::kDnsBlock, {DnsPorts()}, Action::kReject});
  AddLanRule(effective, chain, Kind::kDestinationInSet);
  rules.push_back(Rule{rule_id::kDefaultBlock, {}, Action::kReject});
  return chain;
}

}  // namespace

void AddForcedVpnSets(const EffectivePolicy& effective, Ruleset& ruleset);

Ruleset Compile(const EffectivePolicy& effective, const CompileOptions& options) {
  Ruleset ruleset;
  ruleset.log_group = options.log_group;
  ruleset.report_only = effective.vpn_mode == VpnMode::kReport;
  AddForcedVpnSets(effective, ruleset);
  for (auto& set : ruleset.sets) {
    if (set.name == set_name::kTrustedInterfaces) {
      set.element_timeout_seconds = options.trust_timeout_seconds;
    } else if (set.name == set_name::kPortalWindowInterfaces) {
      set.element_timeout_seconds = options.portal_timeout_seconds;
    }
  }
  ruleset.chains.push_back(InputChain(effective));
  ruleset.chains.push_back(OutputChain(effective));
  ruleset.chains.push_back(ForwardChain(effective));
  return ruleset;
}

const NamedSet* Ruleset::FindSet(const std::string& name) const {
  for (const auto& set : sets) {
    if (set.name == name) return &set;
  }
  return nullptr;
}

}  // namespace netwarden
