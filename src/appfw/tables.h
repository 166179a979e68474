#pragma once
// The compiled app-firewall tables: exactly what the kernel's maps hold (minus the generation and
// the executables' inode numbers, which the agent adds), so that `explain` and the kernel answer
// from one source of truth. Program ids and rule ids are dense, starting at 1; 0 = none/default.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"
#include "policy/apps_policy.h"

namespace netwarden::appfw {

inline constexpr uint32_t kDefaultRuleId = 0;

// One longest-prefix-match entry of the rule table.
struct RuleKey {
  uint32_t app_id = 0;
  uint32_t uid = 0;   // kAnyUid = any user
  uint16_t port = 0;  // 0 = any port
  AppDirection direction = AppDirection::kOut;
  uint8_t ip_protocol = 0;
  IpNetwork remote;
};

struct TableVerdict {
  uint32_t rule_id = kDefaultRuleId;
  AppAction action = AppAction::kAllow;
};

// May a program listen on a local port (bind)?
struct ListenKey {
  uint32_t app_id = 0;
  uint32_t uid = 0;
  uint16_t port = 0;
  uint8_t ip_protocol = 0;
};

// A gateway exception limited to one program: any other program is refused this endpoint.
struct GuardKey {
  IpAddress address;
  uint8_t ip_protocol = 0;
  uint16_t port = 0;
};

struct GuardValue {
  uint32_t app_id = 0;
  uint32_t rule_id = 0;
};

// What a rule id stands for, for explain and events.
struct RuleInfo {
  std::string name;  // the policy's rule name, or "gateway-program:<gateway>"
  std::string program;
  AppAction action = AppAction::kDeny;
  std::optional<SourceLocation> where;
};

struct CompiledTables {
  AppAction default_action = AppAction::kAllow;
  std::vector<std::string> programs;  // app id = index + 1
  std::vector<RuleInfo> rules;        // rule id = index + 1
  std::vector<std::pair<RuleKey, TableVerdict>> rule_entries;
  std::vector<std::pair<ListenKey, TableVerdict>> listen_entries;
  std::vector<std::pair<GuardKey, GuardValue>> guards;

  uint32_t AppId(const std::string& path) const;  // 0 when no rule names the program
  std::string RuleName(uint32_t rule_id) const;   // "default" for 0
  const RuleInfo* Rule(uint32_t rule_id) const;
};

}  // namespace netwarden::appfw
