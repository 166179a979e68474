#pragma once
// One blocking lookup through c-ares (the system's resolvers from /etc/resolv.conf), run on a
// worker thread so the agent's loop never waits on DNS. TTLs come back with the addresses.

#include <chrono>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace netwarden::agent {

struct Resolution {
  std::vector<IpAddress> addresses;
  std::chrono::seconds ttl{0};  // the smallest TTL of the answers
};

// `servers`: the resolvers to ask (the same list the firewall lets root reach); empty = c-ares'
// own reading of /etc/resolv.conf.
Result<Resolution> ResolveName(const std::string& name, const std::vector<IpAddress>& servers,
                               std::chrono::milliseconds timeout);

}  // namespace netwarden::agent
