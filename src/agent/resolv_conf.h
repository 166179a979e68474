#pragma once

#include <string>
#include <vector>

#include "core/ip.h"

namespace netwarden::agent {

// The `nameserver` addresses of a resolv.conf (the system's resolvers, which the agent's own
// lookups use and which therefore must be reachable for root).
std::vector<IpAddress> ReadNameservers(const std::string& path = "/etc/resolv.conf");

}  // namespace netwarden::agent
