#include "compiler/ruleset_eval.h"

#include <algorithm>

namespace netwarden {
namespace {

bool SameTransport(const Flow& flow, Transport transport) {
  return (transport == Transport::kTcp && flow.protocol == FlowProtocol::kTcp) ||
         (transport == Transport::kUdp && flow.protocol == FlowProtocol::kUdp);
}

bool AnyTransport(const Flow& flow, const std::vector<Transport>& protocols) {
  return std::any_of(protocols.begin(), protocols.end(),
                     [&](Transport t) { return SameTransport(flow, t); });
}

bool PortIn(uint16_t port, const std::vector<uint16_t>& ports) {
  return std::find(ports.begin(), ports.end(), port) != ports.end();
}

bool SetHolds(const NamedSet& set, const Flow& flow) {
  return std::any_of(set.elements.begin(), set.elements.end(), [&](const SetElement& element) {
    switch (set.kind) {
      case SetKind::kInterface:
      case SetKind::kInterfaceIndex: return element.interface == flow.output_interface;
      case SetKind::kAddress:
      case SetKind::kNetwork: return element.network.Contains(flow.destination);
      case SetKind::kAddressPort:
        return flow.protocol == FlowProtocol::kTcp &&
               element.network.Contains(flow.destination) && element.port == flow.port;
      case SetKind::kAddressProtoPortUid:
        if (element.uid != flow.uid) return false;
        [[fallthrough]];
      case SetKind::kAddressProtoPort:
        return SameTransport(flow, element.protocol) &&
               element.network.Contains(flow.destination) && element.port == flow.port;
    }
    return false;
  });
}

bool Matches(const Ruleset& ruleset, const Match& match, const Flow& flow) {
  using Kind = Match::Kind;
  const NamedSet* set = match.set.empty() ? nullptr : ruleset.FindSet(match.set);
  const bool family_ok = match.family == flow.destination.family();
  switch (match.kind) {
    case Kind::kOutputLoopback: return flow.output_interface == "lo";
    case Kind::kInputLoopback:
    case Kind::kInputInterfaceInSet:
    case Kind::kInputInterfaceNotInSet:
    case Kind::kSourceInSet: return false;  // output-chain evaluation only
    case Kind::kConnectionEstablished:
    case Kind::kConnectionInvalid: return false;  // flows are new connections
    case Kind::kOutputInterfaceInSet: return set && SetHolds(*set, flow);
    case Kind::kDestinationInSet:
    case Kind::kDestinationTupleInSet: return family_ok && set && SetHolds(*set, flow);
    case Kind::kProtocolIn: return AnyTransport(flow, match.protocols);
    case Kind::kDestinationPortIn:
      return AnyTransport(flow, match.protocols) && PortIn(flow.port, match.ports);
    case Kind::kDestinationPortRangeIn:
      return AnyTransport(flow, match.protocols) &&
             std::any_of(match.port_ranges.begin(), match.port_ranges.end(),
                         [&](const PortRange& range) { return range.Contains(flow.port); });
    case Kind::kSourcePortIn:
      return AnyTransport(flow, match.protocols) && PortIn(flow.source_port, match.ports);
    case Kind::kUidIs: return flow.uid == match.uid;
    case Kind::kIcmpv6TypeIn: return false;  // ICMP flows are echo requests
    case Kind::kInputInterfaceIs: return false;  // output-chain evaluation only
    case Kind::kMarkIs: return flow.mark == match.mark;
  }
  return false;
}

}  // namespace

RulesetVerdict EvaluateOutput(const Ruleset& ruleset, const Flow& flow) {
  for (const auto& chain : ruleset.chains) {
    if (chain.hook != Hook::kOutput) continue;
    for (const auto& rule : chain.rules) {
      const bool all = std::all_of(rule.matches.begin(), rule.matches.end(),
                                   [&](const Match& m) { return Matches(ruleset, m, flow); });
      if (all) return {rule.action, rule.id, ruleset.report_only && rule.action != Action::kAccept};
    }
  }
  RulesetVerdict policy;
  policy.logged_only = ruleset.report_only;  // the chain policy is accept in report mode
  return policy;
}

}  // namespace netwarden
