#include "policy/apps_precedence.h"

#include <map>
#include <string>
#include <utility>

namespace netwarden {
namespace {

// Rule 4: a named protocol outranks `any` at the same key.
int ProtocolRank(AppProtocol protocol) { return protocol == AppProtocol::kAny ? 0 : 1; }

std::vector<IpNetwork> RemotesOf(const AppRule& rule) {
  if (!rule.remote.empty()) return rule.remote;
  return {IpNetwork(*IpAddress::Parse("0.0.0.0"), 0), IpNetwork(*IpAddress::Parse("::"), 0)};
}

std::vector<uint8_t> ProtocolsOf(const AppRule& rule) {
  switch (rule.protocol) {
    case AppProtocol::kTcp:
      return {kIpProtoTcp};
    case AppProtocol::kUdp:
      return {kIpProtoUdp};
    case AppProtocol::kAny:
      break;
  }
  return {kIpProtoTcp, kIpProtoUdp};
}

}  // namespace

ExpandedApps ExpandAppRules(const AppsPolicy& apps) {
  ExpandedApps out;
  out.shadowed.assign(apps.rules.size(), true);
  out.shadowed_by.assign(apps.rules.size(), 0);
  // (program, match) -> index into out.entries
  std::map<std::pair<std::string, AppMatch>, size_t> taken;
  for (size_t index = 0; index < apps.rules.size(); ++index) {
    const AppRule& rule = apps.rules[index];
    std::vector<uint16_t> ports = rule.ports.empty() ? std::vector<uint16_t>{kAnyPort} : rule.ports;
    for (uint8_t protocol : ProtocolsOf(rule)) {
      for (uint16_t port : ports) {
        for (const IpNetwork& remote : RemotesOf(rule)) {
          AppMatch match{rule.direction, protocol, rule.uid.value_or(kAnyUid), port, remote};
          auto [it, inserted] = taken.try_emplace({rule.program, match}, out.entries.size());
          if (inserted) {
            out.entries.push_back({index, match});
            continue;
          }
          AppEntry& holder = out.entries[it->second];
          const AppRule& other = apps.rules[holder.rule_index];
          if (ProtocolRank(rule.protocol) > ProtocolRank(other.protocol)) {
            out.shadowed_by[holder.rule_index] = index;
            holder.rule_index = index;
          } else {
            out.shadowed_by[index] = holder.rule_index;
          }
        }
      }
    }
  }
  for (const AppEntry& entry : out.entries) out.shadowed[entry.rule_index] = false;
  return out;
}

}  // namespace netwarden
