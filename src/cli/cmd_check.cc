#include <iostream>

#include "cli/command.h"

namespace netwarden::cli {

void RegisterCheckCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("check", "not built yet");
  command->callback([&exit_code] {
    std::cerr << "netwarden check: not built yet\n";
    exit_code = kExitFailure;
  });
}

}  // namespace netwarden::cli
