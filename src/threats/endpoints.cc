#include "threats/endpoints.h"

#include <algorithm>

namespace netwarden::threats {

std::vector<IpNetwork> PolicyEndpoints(const EffectivePolicy& effective) {
  std::vector<IpNetwork> endpoints;
  for (const auto& gateway : effective.gateways) endpoints.push_back(IpNetwork::Host(gateway.address));
  for (const auto& proxy : effective.proxies) endpoints.push_back(IpNetwork::Host(proxy.address));
  for (const auto& resolver : effective.dns_resolvers) endpoints.push_back(IpNetwork::Host(resolver));
  for (const auto& probe : effective.probe_endpoints) endpoints.push_back(IpNetwork::Host(probe.address));
  std::sort(endpoints.begin(), endpoints.end());
  endpoints.erase(std::unique(endpoints.begin(), endpoints.end()), endpoints.end());
  return endpoints;
}

}  // namespace netwarden::threats
