#pragma once
// Policy (`apps:` and gateways' `program:`) -> the kernel's tables.

#include <map>
#include <string>
#include <vector>

#include "appfw/tables.h"
#include "policy/policy.h"

namespace netwarden::appfw {

// Addresses of gateways given by `host:`, resolved by the caller (the compiler does no I/O).
using ResolvedHosts = std::map<std::string, std::vector<IpAddress>>;

CompiledTables CompileApps(const Policy& policy, const ResolvedHosts& hosts = {});

}  // namespace netwarden::appfw
