#pragma once
// The states a policy can reach, as situations: `verify --all-states` proves the property of the
// compiled ruleset in each, without a kernel.

#include <string>
#include <vector>

#include "policy/policy.h"
#include "situation/situation.h"

namespace netwarden::verify {

struct NamedState {
  std::string name;
  Situation situation;
};

// No network; blocked (physical interfaces only); tunnel up; each trusted network verified on
// the physical interface; captive-portal window open. `base` gives the interfaces, resolved
// names and resolvers (a made-up eth0 when it has no physical interface).
std::vector<NamedState> ReachableStates(const Policy& policy, const Situation& base);

}  // namespace netwarden::verify
