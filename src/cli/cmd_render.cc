#include <iostream>

#include "cli/command.h"

namespace netwarden::cli {

void RegisterRenderCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("render", "not built yet");
  command->callback([&exit_code] {
    std::cerr << "netwarden render: not built yet\n";
    exit_code = kExitFailure;
  });
}

}  // namespace netwarden::cli
