#pragma once
// Per-program firewall rules (`apps:` in the policy). Owned by the app-firewall concern.

#include <string>
#include <vector>

namespace netwarden {

struct AppsPolicy {
  bool present = false;  // the policy has an `apps:` section
};

}  // namespace netwarden
