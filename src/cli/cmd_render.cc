#include <iostream>

#include "cli/command.h"
#include "cli/inputs.h"
#include "compiler/compiler.h"
#include "dataplane/nft/nft_renderer.h"

namespace netwarden::cli {

void RegisterRenderCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("render", "Print the nftables ruleset for a policy");
  auto policy_path = std::make_shared<std::string>();
  auto situation_path = std::make_shared<std::string>();
  command->add_option("policy", *policy_path, "Policy file (YAML)")->required();
  command->add_option("--situation", *situation_path,
                      "Observed situation (YAML); default: no network, nothing resolved");
  command->callback([&exit_code, policy_path, situation_path] {
    auto inputs = LoadInputs(*policy_path, *situation_path, /*print_warnings=*/false);
    if (!inputs) {
      exit_code = kExitBadInput;
      return;
    }
    std::cout << nft::RenderTable(Compile(inputs->effective));
    exit_code = kExitOk;
  });
}

}  // namespace netwarden::cli
