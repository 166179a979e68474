#pragma once
// The addresses the forced VPN itself depends on: VPN gateways, proxies, the resolvers root may
// ask, trusted-network probe servers. A reputation feed that lists one of them (a shared cloud
// range, a mistake, a poisoned feed) must not cut every laptop off its VPN: those addresses are
// carved out of the feeds and reported instead.

#include <vector>

#include "core/ip.h"
#include "situation/effective_policy.h"

namespace netwarden::threats {

// Host prefixes, sorted and unique.
std::vector<IpNetwork> PolicyEndpoints(const EffectivePolicy& effective);

}  // namespace netwarden::threats
