#include <iostream>

#include "cli/command.h"
#include "cli/inputs.h"
#include "compiler/compiler.h"
#include "dataplane/nft/nft_dataplane.h"
#include "policy/policy_parser.h"

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

int Install(const EffectivePolicy& effective, const char* what) {
  auto outcome = nft::MakeNftDataplane()->Apply(Compile(effective));
  if (!outcome) {
    std::cerr << "apply failed" << what << ": " << outcome.error().ToString() << "\n";
    return kExitFailure;
  }
  std::cout << (outcome->mode == ApplyOutcome::Mode::kReplaced ? "installed table"
                                                               : "updated sets of table")
            << " inet netwarden" << what << ": " << outcome->rules << " rules, "
            << outcome->elements << " set elements, verified\n";
  return kExitOk;
}

}  // namespace

void RegisterApplyCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "apply",
      "Install the ruleset in the kernel (one atomic transaction, verified); a missing or "
      "refused policy installs block-all and exits 2");
  auto paths = AddInputOptions(command);
  command->callback([&exit_code, paths] {
    auto inputs = LoadInputs(paths->policy, paths->situation, /*print_warnings=*/false);
    if (!inputs) {
      // Fail closed: whatever was in force (or nothing, at boot) gives way to block-all, so a
      // broken or missing policy can never leave the machine open.
      std::cerr << "policy refused: installing block-all (only loopback, DHCP and neighbour "
                   "discovery pass)\n";
      const int installed = Install(Resolve(BlockAllPolicy(), Situation{}), " (block-all)");
      exit_code = installed == kExitOk ? kExitBadInput : installed;
      return;
    }
    if (!inputs->policy.vpn) {
      exit_code = RemoveForcedVpn();
      return;
    }
    for (const auto& host : inputs->effective.unresolved_hosts) {
      std::cerr << "note: " << host << " has no known address; its exception stays empty\n";
    }
    exit_code = Install(inputs->effective, "");
  });
}

}  // namespace netwarden::cli
