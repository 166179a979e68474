#pragma once
// Loading the policy and (optional) situation that most commands start from.

#include <CLI/CLI.hpp>
#include <memory>
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

// The positional POLICY and the --situation option shared by render, apply and friends.
struct InputPaths {
  std::string policy;
  std::string situation;
};
std::shared_ptr<InputPaths> AddInputOptions(CLI::App* command);

// Prints every error to stderr (file:line:col: message) and returns nullopt on failure.
// Warnings are printed when `print_warnings` is set.
std::optional<Inputs> LoadInputs(const std::string& policy_path,
                                 const std::string& situation_path, bool print_warnings);

}  // namespace netwarden::cli
