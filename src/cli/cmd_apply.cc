#include <iostream>

#include "cli/command.h"
#include "cli/inputs.h"
#include "compiler/compiler.h"
#include "dataplane/nft/nft_dataplane.h"

namespace netwarden::cli {
namespace {

// A policy without `vpn:` does not enforce the forced VPN: its table must not stay behind.
int RemoveForcedVpn() {
  auto dataplane = nft::MakeNftDataplane();
  auto installed = dataplane->IsInstalled();
  if (!installed) {
    std::cerr << "apply failed: " << installed.error().ToString() << "\n";
    return kExitFailure;
  }
  if (!*installed) {
    std::cout << "no 'vpn' section: the forced VPN is not enforced (no table inet netwarden)\n";
    return kExitOk;
  }
  if (auto removed = dataplane->Remove(); !removed) {
    std::cerr << "apply failed: " << removed.error().ToString() << "\n";
    return kExitFailure;
  }
  std::cout << "no 'vpn' section: removed table inet netwarden, the forced VPN is not enforced\n";
  return kExitOk;
}

}  // namespace

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
    if (!inputs->policy.vpn) {
      exit_code = RemoveForcedVpn();
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
