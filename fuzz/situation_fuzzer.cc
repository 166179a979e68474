// Situation text -> parser -> resolve against a fixed policy -> compile and render.
#include <cstddef>
#include <cstdint>
#include <string>

#include "compiler/compiler.h"
#include "dataplane/nft/nft_renderer.h"
#include "policy/policy_parser.h"
#include "situation/situation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto policy = *netwarden::ParsePolicy(
      "version: 1\nvpn:\n  gateways:\n    - {host: vpn.example.net, protocol: udp, port: 51820}\n"
      "  tunnel_interfaces: [wg*]\ntrusted_networks:\n  - {name: b, interface_subnet: 10.0.0.0/8}\n"
      "exceptions:\n  breakout: [{host: meet.example.com}]\n  lan: private\n",
      "policy.yaml");
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto situation = netwarden::ParseSituation(text, "fuzz.yaml");
  if (!situation) return 0;
  const auto ruleset = netwarden::Compile(netwarden::Resolve(policy, *situation));
  (void)netwarden::nft::RenderSetUpdateScript(ruleset);
  return 0;
}
