#include "policy/policy.h"

#include <algorithm>

namespace netwarden {

const char* TransportName(Transport transport) {
  return transport == Transport::kTcp ? "tcp" : "udp";
}

std::string Gateway::Label() const {
  std::string target = address ? address->ToString() : host;
  return target + " " + TransportName(protocol) + "/" + std::to_string(port);
}

std::string Diagnostic::ToString() const {
  return MakePolicyError(where, message).ToString();
}

std::vector<std::string> Policy::Hostnames() const {
  std::vector<std::string> names;
  for (const auto& gateway : gateways) {
    if (!gateway.host.empty()) names.push_back(gateway.host);
  }
  for (const auto& entry : breakout) {
    if (!entry.host.empty()) names.push_back(entry.host);
  }
  for (const auto& portal : captive_portal) names.push_back(portal.host);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace netwarden
