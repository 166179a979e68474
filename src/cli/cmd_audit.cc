#include <iostream>

#include "cli/command.h"

namespace netwarden::cli {

// Placeholder until the audit concern (src/audit/) lands.
void RegisterAuditCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("audit", "Audit VPN gateway logs for account misuse");
  command->allow_extras();
  command->callback([&exit_code] {
    std::cerr << "netwarden audit: not built yet\n";
    exit_code = kExitFailure;
  });
}

}  // namespace netwarden::cli
