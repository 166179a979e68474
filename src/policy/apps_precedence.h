#pragma once
// The precedence of `apps:` rules, shared by `check` (shadowed rules), the compiler of the kernel's
// tables and `explain`. A rule expands into entries, one per (protocol, port, remote network);
// the kernel picks among matching entries by specificity, in this order:
//   1. a rule for the flow's user beats a rule for any user;
//   2. a longer remote prefix beats a shorter one (omitted remote = 0.0.0.0/0 and ::/0);
//   3. a rule naming the port beats a rule for any port;
//   4. a rule naming the protocol beats `protocol: any`;
//   5. at equal specificity the rule written first wins (the later one is reported by check).
// Flows no entry matches get `apps.default`.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "policy/apps_policy.h"

namespace netwarden {

inline constexpr uint32_t kAnyUid = 0xffffffffu;  // uid -1 is never a real user
inline constexpr uint16_t kAnyPort = 0;
inline constexpr uint8_t kIpProtoTcp = 6;
inline constexpr uint8_t kIpProtoUdp = 17;

// What one entry matches, except the program (the rule's `program` path).
struct AppMatch {
  AppDirection direction = AppDirection::kOut;
  uint8_t ip_protocol = kIpProtoTcp;  // IPPROTO_TCP or IPPROTO_UDP
  uint32_t uid = kAnyUid;
  uint16_t port = kAnyPort;
  IpNetwork remote;

  auto operator<=>(const AppMatch&) const = default;
};

struct AppEntry {
  size_t rule_index = 0;  // into AppsPolicy::rules
  AppMatch match;
};

struct ExpandedApps {
  // One entry per distinct (program, match): the winner of rules 4 and 5 above.
  std::vector<AppEntry> entries;
  // Per rule: true when none of its entries survived (it can never decide anything).
  std::vector<bool> shadowed;
  // Per rule: the index of a rule that took one of its entries, for the warning text.
  std::vector<size_t> shadowed_by;
};

ExpandedApps ExpandAppRules(const AppsPolicy& apps);

}  // namespace netwarden
