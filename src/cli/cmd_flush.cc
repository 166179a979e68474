#include <unistd.h>

#include <iostream>

#include "cli/command.h"
#include "dataplane/nft/nft_dataplane.h"

namespace netwarden::cli {

// The documented way out: removes netwarden's table (enforcement off). Root only, because the
// kernel only lets CAP_NET_ADMIN change rules; nothing else is touched.
void RegisterFlushCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("flush", "Remove netwarden's rules (turns enforcement off)");
  command->callback([&exit_code] {
    auto removed = nft::MakeNftDataplane()->Remove();
    if (!removed) {
      std::cerr << "flush failed: " << removed.error().ToString()
                << (geteuid() != 0 ? " (run as root)" : "") << "\n";
      exit_code = kExitFailure;
      return;
    }
    std::cout << "removed table inet netwarden: enforcement is off\n";
    exit_code = kExitOk;
  });
}

}  // namespace netwarden::cli
