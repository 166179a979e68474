#include "appfw/compile.h"

#include <algorithm>
#include <map>
#include <set>

#include "policy/apps_precedence.h"

namespace netwarden::appfw {
namespace {

using ListenGroup = std::tuple<uint32_t, uint32_t, uint16_t, uint8_t>;  // app, uid, port, proto

std::vector<std::string> ProgramsOf(const Policy& policy) {
  std::set<std::string> paths;
  for (const AppRule& rule : policy.apps.rules) paths.insert(rule.program);
  for (const Gateway& gateway : policy.gateways) {
    if (!gateway.program.empty()) paths.insert(gateway.program);
  }
  return {paths.begin(), paths.end()};
}

uint8_t GatewayProtocol(const Gateway& gateway) {
  return gateway.protocol == Transport::kTcp ? kIpProtoTcp : kIpProtoUdp;
}

// bind() is allowed when some remote could be accepted on that port: an allow entry of the group
// (any remote), else the group's deny for any remote; a group of narrow denies only says nothing.
void CompileListen(const AppsPolicy& apps, const ExpandedApps& expanded, CompiledTables& out) {
  std::map<ListenGroup, TableVerdict> groups;
  std::map<ListenGroup, bool> decided_by_allow;
  for (const AppEntry& entry : expanded.entries) {
    const AppRule& rule = apps.rules[entry.rule_index];
    if (rule.direction != AppDirection::kIn) continue;
    const ListenGroup group{out.AppId(rule.program), entry.match.uid, entry.match.port,
                            entry.match.ip_protocol};
    const TableVerdict verdict{static_cast<uint32_t>(entry.rule_index + 1), rule.action};
    if (rule.action == AppAction::kAllow) {
      // The first allow (lowest rule id) names the group; ids grow with entries' rule order.
      if (!decided_by_allow[group] || verdict.rule_id < groups[group].rule_id) {
        groups[group] = verdict;
        decided_by_allow[group] = true;
      }
    } else if (entry.match.remote.prefix_len() == 0 && !decided_by_allow[group]) {
      groups[group] = verdict;
    }
  }
  for (const auto& [group, verdict] : groups) {
    const auto& [app, uid, port, protocol] = group;
    out.listen_entries.push_back({ListenKey{app, uid, port, protocol}, verdict});
  }
}

void CompileGuards(const Policy& policy, const ResolvedHosts& hosts, CompiledTables& out) {
  for (const Gateway& gateway : policy.gateways) {
    if (gateway.program.empty()) continue;
    out.rules.push_back(
        {kGuardRulePrefix + gateway.Label(), gateway.program, AppAction::kDeny, gateway.where});
    const uint32_t rule_id = static_cast<uint32_t>(out.rules.size());
    std::vector<IpAddress> addresses;
    if (gateway.address) addresses.push_back(*gateway.address);
    if (auto it = hosts.find(gateway.host); !gateway.host.empty() && it != hosts.end()) {
      addresses.insert(addresses.end(), it->second.begin(), it->second.end());
    }
    for (const IpAddress& address : addresses) {
      out.guards.push_back({GuardKey{address, GatewayProtocol(gateway), gateway.port},
                            GuardValue{out.AppId(gateway.program), rule_id}});
    }
  }
}

}  // namespace

uint32_t CompiledTables::AppId(const std::string& path) const {
  auto it = std::lower_bound(programs.begin(), programs.end(), path);
  if (it == programs.end() || *it != path) return 0;
  return static_cast<uint32_t>(it - programs.begin() + 1);
}

const RuleInfo* CompiledTables::Rule(uint32_t rule_id) const {
  if (rule_id == kDefaultRuleId || rule_id > rules.size()) return nullptr;
  return &rules[rule_id - 1];
}

bool CompiledTables::IsGuard(uint32_t rule_id) const {
  const RuleInfo* rule = Rule(rule_id);
  return rule && rule->name.rfind(kGuardRulePrefix, 0) == 0;
}

std::string CompiledTables::RuleName(uint32_t rule_id) const {
  const RuleInfo* rule = Rule(rule_id);
  return rule ? rule->name : "default";
}

CompiledTables CompileApps(const Policy& policy, const ResolvedHosts& hosts) {
  CompiledTables out;
  const AppsPolicy& apps = policy.apps;
  out.default_action = apps.default_action;
  out.report = apps.mode == AppMode::kReport;
  out.programs = ProgramsOf(policy);  // sorted: AppId() relies on it
  for (const AppRule& rule : apps.rules) {
    out.rules.push_back({rule.name, rule.program, rule.action, rule.where});
  }
  const ExpandedApps expanded = ExpandAppRules(apps);
  for (const AppEntry& entry : expanded.entries) {
    const AppRule& rule = apps.rules[entry.rule_index];
    RuleKey key{out.AppId(rule.program), entry.match.uid,         entry.match.port,
                entry.match.direction,   entry.match.ip_protocol, entry.match.remote};
    out.rule_entries.push_back({key, {static_cast<uint32_t>(entry.rule_index + 1), rule.action}});
  }
  CompileListen(apps, expanded, out);
  CompileGuards(policy, hosts, out);
  return out;
}

}  // namespace netwarden::appfw
