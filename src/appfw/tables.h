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
inline constexpr const char* kGuardRulePrefix = "gateway-program:";

// One longest-prefix-match entry of the rule table.
struct RuleKey {
  uint32_t app_id = 0;
  uint32_t uid = 0;   // kAnyUid = any user
  uint16_t port = 0;  // 0 = any port
  AppDirection direction = AppDirection::kOut;
  uint8_t ip_protocol = 0;
  IpNetwork remote;
  bool operator==(const RuleKey&) const = default;
};

struct TableVerdict {
  uint32_t rule_id = kDefaultRuleId;
  AppAction action = AppAction::kAllow;
  bool operator==(const TableVerdict&) const = default;
};

// May a program listen on a local port (bind)?
struct ListenKey {
  uint32_t app_id = 0;
  uint32_t uid = 0;
  uint16_t port = 0;
  uint8_t ip_protocol = 0;
  bool operator==(const ListenKey&) const = default;
};

// A gateway exception limited to one program: any other program is refused this endpoint.
struct GuardKey {
  IpAddress address;
  uint8_t ip_protocol = 0;
  uint16_t port = 0;
  bool operator==(const GuardKey&) const = default;
};

struct GuardValue {
  uint32_t app_id = 0;
  uint32_t rule_id = 0;
  bool operator==(const GuardValue&) const = default;
};

// What a rule id stands for, for explain and events.
struct RuleInfo {
  std::string name;  // the policy's rule name, or "gateway-program:<gateway>"
  std::string program;
  AppAction action = AppAction::kDeny;
  std::optional<SourceLocation> where;
  // The kernel never sees `where`: a rule that only moved in the file is the same rule.
  bool operator==(const RuleInfo& other) const {
    return name == other.name && program == other.program && action == other.action;
  }
};

struct CompiledTables {
  AppAction default_action = AppAction::kAllow;
  bool report = false;  // apps.mode: report (rules and default deny nothing; guards still do)
  std::vector<std::string> programs;  // app id = index + 1
  std::vector<RuleInfo> rules;        // rule id = index + 1
  std::vector<std::pair<RuleKey, TableVerdict>> rule_entries;
  std::vector<std::pair<ListenKey, TableVerdict>> listen_entries;
  std::vector<std::pair<GuardKey, GuardValue>> guards;

  // Equal tables = nothing to write to the kernel (the apps manager stays clean).
  bool operator==(const CompiledTables&) const = default;

  uint32_t AppId(const std::string& path) const;  // 0 when no rule names the program
  std::string RuleName(uint32_t rule_id) const;   // "default" for 0
  const RuleInfo* Rule(uint32_t rule_id) const;
  // A gateway guard: the forced VPN's exception narrowed to one program (enforced in any mode).
  bool IsGuard(uint32_t rule_id) const;
  // Report mode lets this verdict through (a would-block event instead of a refusal).
  bool OnlyReported(const TableVerdict& verdict) const {
    return report && verdict.action == AppAction::kDeny && !IsGuard(verdict.rule_id);
  }
};

}  // namespace netwarden::appfw
