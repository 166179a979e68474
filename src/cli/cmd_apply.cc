#include <iostream>

#include "cli/command.h"
#include "cli/inputs.h"
#include "compiler/compiler.h"
#include "dataplane/nft/nft_dataplane.h"

namespace netwarden::cli {

void RegisterApplyCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "apply", "Install the ruleset in the kernel (one atomic transaction, verified)");
  auto paths = AddInputOptions(command);
  command->callback([&exit_code, paths] {
    auto inputs = LoadInputs(paths->policy, paths->situation, /*print_warnings=*/false);
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
