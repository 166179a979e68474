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
  const auto ruleset = netwarden::Compile(netwarden::Resolve(*policy, {}));
  (void)netwarden::nft::RenderReplaceScript(ruleset);
  return 0;
}
