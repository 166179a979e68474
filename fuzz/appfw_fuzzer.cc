// Policy text with an `apps:` section -> parser -> (when valid) the app-firewall compiler and a
// few decisions. Nothing may crash, throw or loop.
#include <cstddef>
#include <cstdint>
#include <string>

#include "appfw/compile.h"
#include "appfw/evaluate.h"
#include "policy/policy_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto policy = netwarden::ParsePolicy(text, "fuzz.yaml");
  if (!policy) {
    (void)policy.error().ToString();
    return 0;
  }
  const auto tables = netwarden::appfw::CompileApps(*policy);
  for (const auto& program : tables.programs) {
    for (auto hook : {netwarden::appfw::AppHook::kConnect, netwarden::appfw::AppHook::kIngress,
                      netwarden::appfw::AppHook::kBind}) {
      netwarden::appfw::AppQuery query{
          tables.AppId(program), 1000, hook, 6, *netwarden::IpAddress::Parse("10.1.2.3"), 443};
      (void)tables.RuleName(netwarden::appfw::Evaluate(tables, query).rule_id);
    }
  }
  return 0;
}
