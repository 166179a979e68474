#pragma once
// Per-program firewall rules (`apps:` in the policy). Owned by the app-firewall concern.
// Precedence is "most specific wins" (see policy/apps_precedence.h and docs/APPFW.md).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace netwarden {

enum class AppDirection : uint8_t { kOut, kIn };
enum class AppProtocol : uint8_t { kTcp, kUdp, kAny };
enum class AppAction : uint8_t { kAllow, kDeny };
// report: the kernel refuses nothing for the apps rules and apps.default; every flow they would
// refuse becomes a would-block event (a pilot before enforcing). Default: enforce.
enum class AppMode : uint8_t { kEnforce, kReport };

const char* AppDirectionName(AppDirection direction);
const char* AppProtocolName(AppProtocol protocol);
const char* AppActionName(AppAction action);
const char* AppModeName(AppMode mode);  // "enforce" | "report"

struct AppRule {
  std::string name;     // unique; named by explain and events
  std::string program;  // absolute path of the executable
  AppDirection direction = AppDirection::kOut;
  AppProtocol protocol = AppProtocol::kAny;
  std::vector<IpNetwork> remote;  // empty = any address (IPv4 and IPv6)
  std::vector<uint16_t> ports;    // remote ports (out) or local ports (in); empty = any
  std::optional<uint32_t> uid;    // only this user's processes; empty = any user
  AppAction action = AppAction::kDeny;
  SourceLocation where;
};

struct AppsPolicy {
  bool present = false;                          // the policy has an `apps:` section
  AppMode mode = AppMode::kEnforce;              // apps.mode
  AppAction default_action = AppAction::kAllow;  // for every flow no rule matches
  std::vector<AppRule> rules;
};

}  // namespace netwarden
