#include <iostream>

#include "cli/command.h"
#include "cli/inputs.h"
#include "compiler/compiler.h"
#include "dataplane/nft/nft_dataplane.h"

namespace netwarden::cli {

void RegisterApplyCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "apply", "Install the ruleset in the kernel (one atomic transaction, verified)");
  auto policy_path = std::make_shared<std::string>();
  auto situation_path = std::make_shared<std::string>();
  command->add_option("policy", *policy_path, "Policy file (YAML)")->required();
  command->add_option("--situation", *situation_path,
                      "Observed situation (YAML); default: no network, nothing resolved");
  command->callback([&exit_code, policy_path, situation_path] {
    auto inputs = LoadInputs(*policy_path, *situation_path, /*print_warnings=*/false);
    if (!inputs) {
      std::cerr << "nothing was changed: the rules in force stay in force\n";
      exit_code = kExitBadInput;
      return;
    }
    for (const auto& host : inputs->effective.unresolved_hosts) {
      std::cerr << "note: " << host << " has no known address; its exception stays empty\n";
    }
    auto outcome = nft::MakeNftDataplane()->Apply(Compile(inputs->effective));
    if (!outcome) {
      std::cerr << "apply failed: " << outcome.error().ToString() << "\n";
      exit_code = kExitFailure;
      return;
    }
    std::cout << (outcome->mode == ApplyOutcome::Mode::kReplaced ? "installed table"
                                                                  : "updated sets of table")
              << " inet netwarden: " << outcome->rules << " rules, " << outcome->elements
              << " set elements, verified\n";
    exit_code = kExitOk;
  });
}

}  // namespace netwarden::cli
