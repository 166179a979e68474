// nftables JSON listing -> the verifier's model -> the leak proof against a fixed policy.
#include <cstddef>
#include <cstdint>
#include <string>

#include "policy/policy_parser.h"
#include "verify/verify.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto effective = [] {
    auto policy = netwarden::ParsePolicy(
        "version: 1\nvpn:\n  gateways:\n    - {address: 198.51.100.1, protocol: udp, port: 51820}\n"
        "  tunnel_interfaces: [wg*]\nexceptions:\n  breakout: [{cidr: 52.112.0.0/14}]\n  lan: "
        "private\n",
        "policy.yaml");
    netwarden::Situation situation;
    situation.interfaces.push_back({"wg0", {}});
    return netwarden::Resolve(*policy, situation);
  }();
  if (size > 64 * 1024) return 0;  // bounded work per input
  const std::string text(reinterpret_cast<const char*>(data), size);
  netwarden::verify::Model model;
  if (!netwarden::verify::AddListing(model, text)) return 0;
  (void)netwarden::verify::CheckLeaks(model, effective);
  return 0;
}
