#include "appfw/evaluate.h"

#include "policy/apps_precedence.h"

namespace netwarden::appfw {
namespace {

struct Match {
  TableVerdict verdict;
  int prefix_len = -1;  // -1 = nothing matched
};

// The kernel's LPM lookup: the longest remote prefix among entries whose exact fields match.
Match LookupRule(const CompiledTables& tables, uint32_t app, uint32_t uid, uint16_t port,
                 AppDirection direction, uint8_t protocol, const IpAddress& remote) {
  Match best;
  for (const auto& [key, verdict] : tables.rule_entries) {
    if (key.app_id != app || key.uid != uid || key.port != port || key.direction != direction ||
        key.ip_protocol != protocol || key.remote.family() != remote.family() ||
        !key.remote.Contains(remote) || key.remote.prefix_len() <= best.prefix_len) {
      continue;
    }
    best = {verdict, key.remote.prefix_len()};
  }
  return best;
}

// Most specific wins: the user's entries before any user's; then the longest prefix; then the
// entry naming the port (on a prefix tie the exact port, looked up first, stays).
std::optional<TableVerdict> DecideRules(const CompiledTables& tables, const AppQuery& query,
                                        AppDirection direction) {
  if (query.app_id == 0) return std::nullopt;
  for (uint32_t uid : {query.uid, kAnyUid}) {
    Match best = LookupRule(tables, query.app_id, uid, query.port, direction, query.ip_protocol,
                            query.remote);
    if (query.port != kAnyPort) {
      Match any_port = LookupRule(tables, query.app_id, uid, kAnyPort, direction, query.ip_protocol,
                                  query.remote);
      if (any_port.prefix_len > best.prefix_len) best = any_port;
    }
    if (best.prefix_len >= 0) return best.verdict;
  }
  return std::nullopt;
}

std::optional<TableVerdict> LookupListen(const CompiledTables& tables, uint32_t app, uint32_t uid,
                                         uint16_t port, uint8_t protocol) {
  for (const auto& [key, verdict] : tables.listen_entries) {
    if (key.app_id == app && key.uid == uid && key.port == port && key.ip_protocol == protocol) {
      return verdict;
    }
  }
  return std::nullopt;
}

std::optional<TableVerdict> Guard(const CompiledTables& tables, const AppQuery& query) {
  for (const auto& [key, value] : tables.guards) {
    if (key.address == query.remote && key.ip_protocol == query.ip_protocol &&
        key.port == query.port && value.app_id != query.app_id) {
      return TableVerdict{value.rule_id, AppAction::kDeny};
    }
  }
  return std::nullopt;
}

}  // namespace

TableVerdict Evaluate(const CompiledTables& tables, const AppQuery& query) {
  const TableVerdict fallback{kDefaultRuleId, tables.default_action};
  if (query.ip_protocol != kIpProtoTcp && query.ip_protocol != kIpProtoUdp) {
    return {kDefaultRuleId, AppAction::kAllow};  // the hooks judge TCP and UDP only
  }
  switch (query.hook) {
    case AppHook::kConnect:
      if (auto guard = Guard(tables, query)) return *guard;
      return DecideRules(tables, query, AppDirection::kOut).value_or(fallback);
    case AppHook::kIngress:
      return DecideRules(tables, query, AppDirection::kIn).value_or(fallback);
    case AppHook::kBind:
      if (query.port == kAnyPort) return {kDefaultRuleId, AppAction::kAllow};
      if (query.app_id == 0) return fallback;
      for (uint32_t uid : {query.uid, kAnyUid}) {
        for (uint16_t port : {query.port, kAnyPort}) {
          if (auto verdict = LookupListen(tables, query.app_id, uid, port, query.ip_protocol)) {
            return *verdict;
          }
        }
      }
      return fallback;
  }
  return fallback;
}

}  // namespace netwarden::appfw
