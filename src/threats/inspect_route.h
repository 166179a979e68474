#pragma once
// Policy routing of `inspect` destinations: packets marked kInspectMark by the route chain look up
// table kInspectTable, whose default route leads into the inspection interface. An unreachable
// default with a worse metric sits behind it, so when the tunnel is down (the kernel removes the
// device route) inspected destinations are unreachable instead of leaking out of the normal path.

#include <string>

#include "core/result.h"

namespace netwarden::threats {

inline constexpr uint32_t kInspectTable = 6575;
inline constexpr uint32_t kInspectRulePriority = 6575;

// Installs (idempotently) the fwmark rule and the table's routes for IPv4 and IPv6. Returns a
// note when the interface does not exist (inspected destinations are then unreachable).
Result<std::string> InstallInspectRouting(const std::string& interface, uint32_t mark);
// Removes the rules and routes (absent ones are fine).
Result<void> RemoveInspectRouting(uint32_t mark);

}  // namespace netwarden::threats
