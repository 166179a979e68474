#include "cli/inputs.h"

#include <iostream>

#include "policy/policy_parser.h"

namespace netwarden::cli {

std::shared_ptr<InputPaths> AddInputOptions(CLI::App* command) {
  auto paths = std::make_shared<InputPaths>();
  command->add_option("policy", paths->policy, "Policy file (YAML)")->required();
  command->add_option("--situation", paths->situation,
                      "Observed situation (YAML); default: no network, nothing resolved");
  return paths;
}

std::optional<Inputs> LoadInputs(const std::string& policy_path,
                                 const std::string& situation_path, bool print_warnings) {
  Inputs inputs;
  auto policy = LoadPolicyFile(policy_path);
  if (!policy) {
    std::cerr << policy.error().ToString() << "\n";
    return std::nullopt;
  }
  inputs.policy = std::move(*policy);
  if (print_warnings) {
    for (const auto& warning : inputs.policy.warnings) {
      std::cerr << warning.ToString() << " [warning]\n";
    }
  }
  if (!situation_path.empty()) {
    auto situation = LoadSituationFile(situation_path);
    if (!situation) {
      std::cerr << situation.error().ToString() << "\n";
      return std::nullopt;
    }
    inputs.situation = std::move(*situation);
  }
  inputs.effective = Resolve(inputs.policy, inputs.situation);
  return inputs;
}

}  // namespace netwarden::cli
