#pragma once
// The reference decision function: the specification of the forced-VPN output policy, in plain
// C++. The kernel ruleset the compiler produces is tested against it (differential lab test).

#include "decision/flow.h"
#include "situation/effective_policy.h"

namespace netwarden {

Decision DecideOutbound(const EffectivePolicy& effective, const Flow& flow);

}  // namespace netwarden
