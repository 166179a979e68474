#include <iostream>

#include "cli/command.h"

namespace netwarden::cli {

void RegisterExplainCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("explain", "not built yet");
  command->callback([&exit_code] {
    std::cerr << "netwarden explain: not built yet\n";
    exit_code = kExitFailure;
  });
}

}  // namespace netwarden::cli
