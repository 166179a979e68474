#include <iostream>

#include "cli/command.h"

namespace netwarden::cli {

void RegisterApplyCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("apply", "not built yet");
  command->callback([&exit_code] {
    std::cerr << "netwarden apply: not built yet\n";
    exit_code = kExitFailure;
  });
}

}  // namespace netwarden::cli
