#pragma once

#include "compiler/ruleset.h"
#include "situation/effective_policy.h"

namespace netwarden {

inline constexpr uint16_t kDefaultLogGroup = 6574;  // NFLOG group of blocked-packet events

struct CompileOptions {
  uint16_t log_group = kDefaultLogGroup;
  // Kernel-side expiry of the trusted-interface and portal-window elements (0 = none, as for a
  // one-shot `apply`); the agent sets them and renews the elements well before they expire.
  uint32_t trust_timeout_seconds = 0;
  uint32_t portal_timeout_seconds = 0;
};

// Policy (resolved against the situation) -> the ruleset. The chains and rules depend only on the
// policy; the situation only fills the situational sets.
Ruleset Compile(const EffectivePolicy& effective, const CompileOptions& options = {});

// Removes prefixes covered by others (interval sets refuse overlaps); keeps the covering one.
std::vector<IpNetwork> WithoutOverlaps(std::vector<IpNetwork> networks);

}  // namespace netwarden
