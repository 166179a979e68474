#include <iostream>

#include "cli/command.h"

namespace netwarden::cli {

void RegisterFlushCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("flush", "not built yet");
  command->callback([&exit_code] {
    std::cerr << "netwarden flush: not built yet\n";
    exit_code = kExitFailure;
  });
}

}  // namespace netwarden::cli
