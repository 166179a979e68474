#pragma once
// `netwarden verify`: proves over every packet (IPv4 and IPv6, every address, port, protocol,
// uid, mark, interface) that a ruleset cannot leak, or gives concrete counterexample packets.
// See docs/VERIFY.md for the model and why it is exact.

#include <string>
#include <vector>

#include "compiler/ruleset.h"
#include "core/result.h"
#include "situation/effective_policy.h"
#include "verify/nft_model.h"

namespace netwarden::verify {

struct VerifyOptions {
  size_t max_counterexamples = 20;
  // Interfaces a counterexample names first (e.g. the situation's physical interfaces).
  std::vector<std::string> preferred_interfaces;
};

struct VerifyReport {
  bool proved = false;
  std::vector<std::string> counterexamples;  // "counterexample: proto=... rule=H \"C\""
  size_t classes = 0;                        // packet classes (cubes) that break the property
  std::vector<std::string> notes;            // what was modelled conservatively
  size_t pieces = 0;                         // size of the evaluated partition (for benches)
};

// The security property for the situation the effective policy describes: output, forward and
// the input tunnel-address guard.
Result<VerifyReport> CheckLeaks(const Model& model, const EffectivePolicy& effective,
                                const VerifyOptions& options = {});

// The output chain agrees with the reference decision function (decide.cc) on every packet it
// can be asked about (tcp/udp with a socket owner, ICMP echo requests).
Result<VerifyReport> CheckEquivalence(const Model& model, const EffectivePolicy& effective,
                                      const VerifyOptions& options = {});

// Reads `inet netwarden` and (when the policy inspects) the threat table's inspection guard
// from the current network namespace (libnftables). A missing table yields a model without it
// (which then leaks).
Result<Model> ModelOfInstalled(bool with_inspection_guard);

// The model of a compiled ruleset, as if installed (kernel-free), with the inspection guard the
// threat table would add when the policy inspects. `seed` keeps interface ids comparable
// with another model's (see DiffRulesets).
Result<Model> ModelOfRuleset(const Ruleset& ruleset, const EffectivePolicy& effective,
                             const InterfaceNames* seed = nullptr);

// What the agent calls after every apply: the installed tables against the effective policy.
Result<VerifyReport> VerifyInstalled(const EffectivePolicy& effective,
                                     const VerifyOptions& options = {});

// `--diff`: packet classes (output hook) the new ruleset lets out and the old did not, and back.
struct DiffReport {
  std::vector<std::string> newly_allowed;
  std::vector<std::string> newly_blocked;
};
Result<DiffReport> DiffRulesets(const Ruleset& old_ruleset, const EffectivePolicy& old_effective,
                                const Ruleset& new_ruleset, const EffectivePolicy& new_effective,
                                size_t max_lines = 40);

}  // namespace netwarden::verify
