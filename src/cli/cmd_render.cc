#include <iostream>

#include "cli/command.h"
#include "cli/inputs.h"
#include "compiler/compiler.h"
#include "dataplane/nft/nft_renderer.h"

namespace netwarden::cli {

void RegisterRenderCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("render", "Print the nftables ruleset for a policy");
  auto paths = AddInputOptions(command);
  command->callback([&exit_code, paths] {
    auto inputs = LoadInputs(paths->policy, paths->situation, /*print_warnings=*/false);
    if (!inputs) {
      exit_code = kExitBadInput;
      return;
    }
    if (!inputs->policy.vpn) {
      // Nothing on stdout: there is no forced-VPN table to print (the other planes have their
      // own commands, `appfw` and `threats`).
      std::cerr << paths->policy
                << ": no 'vpn' section: the forced VPN is not enforced (no table inet netwarden)\n";
      exit_code = kExitOk;
      return;
    }
    std::cout << nft::RenderTable(Compile(inputs->effective));
    exit_code = kExitOk;
  });
}

}  // namespace netwarden::cli
