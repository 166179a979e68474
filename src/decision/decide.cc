#include "decision/decide.h"

#include <algorithm>

#include "policy/rule_ids.h"

namespace netwarden {
namespace {

bool IsTransport(const Flow& flow) { return flow.protocol != FlowProtocol::kIcmp; }

bool SameTransport(const Flow& flow, Transport transport) {
  return (transport == Transport::kTcp && flow.protocol == FlowProtocol::kTcp) ||
         (transport == Transport::kUdp && flow.protocol == FlowProtocol::kUdp);
}

bool IsDhcpClient(const EffectivePolicy& effective, const Flow& flow) {
  const auto& uids = effective.dhcp_client_uids;
  return flow.protocol == FlowProtocol::kUdp &&
         ((flow.source_port == 68 && flow.port == 67) ||
          (flow.source_port == 546 && flow.port == 547)) &&
         std::find(uids.begin(), uids.end(), flow.uid) != uids.end();
}

bool IsDns(const Flow& flow) { return IsTransport(flow) && (flow.port == 53 || flow.port == 853); }

Decision Allow(const char* rule, std::string reason, std::optional<SourceLocation> where = {}) {
  return {Verdict::kAllow, rule, std::move(reason), std::move(where)};
}

Decision Reject(const char* rule, std::string reason) {
  return {Verdict::kReject, rule, std::move(reason), std::nullopt};
}

const LabeledNetwork* FindNetwork(const std::vector<LabeledNetwork>& list,
                                  const IpAddress& address) {
  auto found = std::find_if(list.begin(), list.end(), [&](const LabeledNetwork& entry) {
    return entry.network.Contains(address);
  });
  return found == list.end() ? nullptr : &*found;
}

// The first entry of the policy that opens this destination, protocol and port (all breakout
// rules of the chain have the same id; this one is the entry `explain` names).
const BreakoutDestination* FindBreakout(const std::vector<BreakoutDestination>& list,
                                        const Flow& flow) {
  auto found = std::find_if(list.begin(), list.end(), [&](const BreakoutDestination& entry) {
    if (!entry.network.Contains(flow.destination)) return false;
    if (entry.OpensEverything()) return true;
    const BreakoutPorts& opens = *entry.ports;
    return std::any_of(opens.protocols.begin(), opens.protocols.end(),
                       [&](Transport protocol) { return SameTransport(flow, protocol); }) &&
           std::any_of(opens.ports.begin(), opens.ports.end(),
                       [&](const PortRange& range) { return range.Contains(flow.port); });
  });
  return found == list.end() ? nullptr : &*found;
}

// The order of these checks is the order of the output chain (compiler/chains.cc).
Decision EnforcedDecision(const EffectivePolicy& effective, const Flow& flow) {
  using namespace rule_id;
  if (flow.output_interface == "lo") return Allow(kLoopback, "loopback traffic stays on the host");
  if (IsDhcpClient(effective, flow)) {
    return Allow(kDhcp, "DHCP client request from uid " + std::to_string(flow.uid));
  }

  if (effective.IsTunnel(flow.output_interface)) {
    return Allow(kTunnel, "leaves through tunnel interface " + flow.output_interface);
  }
  if (auto trusted = effective.trusted_interfaces.find(flow.output_interface);
      trusted != effective.trusted_interfaces.end()) {
    return Allow(kTrusted, "interface " + flow.output_interface + " is on trusted network '" +
                               trusted->second + "'");
  }

  if (!effective.inspection_interface.empty() && flow.mark == kInspectMark) {
    return Allow(kInspection, "an inspected destination (threat feed) leaves through the "
                              "inspection interface " + effective.inspection_interface);
  }

  for (const auto& gateway : effective.gateways) {
    if (gateway.address == flow.destination && SameTransport(flow, gateway.protocol) &&
        gateway.port == flow.port && (!gateway.uid || *gateway.uid == flow.uid)) {
      return Allow(kGateway, "VPN gateway " + gateway.label, gateway.where);
    }
  }

  if (flow.protocol == FlowProtocol::kTcp && flow.uid == 0) {
    for (const auto& probe : effective.probe_endpoints) {
      if (probe.address == flow.destination && probe.port == flow.port) {
        return Allow(kTrustProbe, "root's HTTPS probe of trusted network '" + probe.network + "'");
      }
    }
  }

  const auto& window = effective.portal_window_interfaces;
  const bool in_portal_window =
      std::find(window.begin(), window.end(), flow.output_interface) != window.end();
  if (IsDns(flow)) {
    const auto& resolvers = effective.dns_resolvers;
    const bool to_resolver =
        std::find(resolvers.begin(), resolvers.end(), flow.destination) != resolvers.end();
    if (flow.port == 53 && flow.uid == 0 && to_resolver) {
      return Allow(kDnsResolver, "root's DNS to allowed resolver " + flow.destination.ToString());
    }
    if (flow.port == 53 && in_portal_window && to_resolver) {
      return Allow(kPortalWindow, "DNS to the network's resolver while the portal window is open");
    }
    return Reject(kDnsBlock, "DNS outside the tunnel would leak names");
  }
  if (in_portal_window && flow.protocol == FlowProtocol::kTcp &&
      (flow.port == 80 || flow.port == 443)) {
    return Allow(kPortalWindow, "HTTP/HTTPS while the captive-portal window is open");
  }

  for (const auto& proxy : effective.proxies) {
    if (flow.protocol == FlowProtocol::kTcp && proxy.address == flow.destination &&
        proxy.port == flow.port) {
      return Allow(kProxy, "proxy " + proxy.address.ToString() + ":" + std::to_string(proxy.port),
                   proxy.where);
    }
  }
  if (const auto* entry = FindBreakout(effective.breakout, flow)) {
    return Allow(kBreakout, "local breakout " + entry->Describe(), entry->where);
  }
  if (flow.protocol == FlowProtocol::kTcp && (flow.port == 80 || flow.port == 443)) {
    if (const auto* entry = FindNetwork(effective.captive_portals, flow.destination)) {
      return Allow(kCaptivePortal, "captive portal login host " + entry->label, entry->where);
    }
  }
  if (effective.lan == LanAccess::kPrivate) {
    for (const auto& network : LanNetworks()) {
      if (network.Contains(flow.destination)) {
        return Allow(kLan, "private destination " + flow.destination.ToString() + " (lan: private)");
      }
    }
  }
  return Reject(kDefaultBlock, "off the trusted network only the VPN gateway and exceptions are "
                               "reachable");
}

}  // namespace

Decision DecideOutbound(const EffectivePolicy& effective, const Flow& flow) {
  Decision decision = EnforcedDecision(effective, flow);
  if (effective.vpn_mode == VpnMode::kReport && decision.verdict == Verdict::kReject) {
    // Report mode: the same rule matches, but its jump logs `would-block` and accepts.
    decision.verdict = Verdict::kWouldReject;
    decision.reason += " (report mode: logged, not blocked)";
  }
  return decision;
}

}  // namespace netwarden
