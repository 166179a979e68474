// Policy text -> parser -> (when valid) resolve, compile, render. Nothing may crash or throw.
#include <cstddef>
#include <cstdint>
#include <string>

#include "compiler/compiler.h"
#include "dataplane/nft/nft_renderer.h"
#include "policy/policy_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto policy = netwarden::ParsePolicy(text, "fuzz.yaml");
  if (!policy) {
    (void)policy.error().ToString();
    return 0;
  }
  (void)netwarden::nft::RenderReplaceScript(netwarden::Compile(netwarden::Resolve(*policy, {})));
  // Every name resolved too, so that host entries (breakouts with ports) reach the compiler.
  netwarden::Situation resolved;
  for (const auto& name : policy->Hostnames()) {
    resolved.resolved[name] = {*netwarden::IpAddress::Parse("192.0.2.1"),
                               *netwarden::IpAddress::Parse("2001:db8::1")};
  }
  (void)netwarden::nft::RenderReplaceScript(netwarden::Compile(netwarden::Resolve(*policy, resolved)));
  return 0;
}
