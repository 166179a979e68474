#pragma once
// Loading the policy and (optional) situation that most commands start from.

#include <optional>
#include <string>

#include "policy/policy.h"
#include "situation/effective_policy.h"
#include "situation/situation.h"

namespace netwarden::cli {

struct Inputs {
  Policy policy;
  Situation situation;
  EffectivePolicy effective;
};

// Prints every error to stderr (file:line:col: message) and returns nullopt on failure.
// Warnings are printed when `print_warnings` is set.
std::optional<Inputs> LoadInputs(const std::string& policy_path,
                                 const std::string& situation_path, bool print_warnings);

}  // namespace netwarden::cli
