#include <unistd.h>

#include <iostream>

#include "cli/command.h"
#include "dataplane/nft/nft_dataplane.h"
#include "threats/apply.h"
#include "threats/threat_ruleset.h"
#ifdef NETWARDEN_HAVE_BPF
#include "appfw/libbpf_kernel.h"
#endif

namespace netwarden::cli {
namespace {

struct FlushOptions {
  std::string pin_dir = "/sys/fs/bpf/netwarden";
  std::string threat_cache = "/var/lib/netwarden/threats";
};

}  // namespace

// The documented way out: removes every plane (enforcement off): the forced-VPN table, the
// threat-feed table (and its inspection routing), the per-program firewall's BPF links and pins.
// Root only, because the kernel only lets CAP_NET_ADMIN / CAP_BPF change them; nothing else is
// touched. A plane that cannot be removed does not stop the others from being removed.
void RegisterFlushCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<FlushOptions>();
  auto* command = app.add_subcommand(
      "flush", "Remove netwarden's rules of every plane (turns enforcement off)");
  command->add_option("--pin", options->pin_dir, "bpffs directory of the app firewall's pins")
      ->capture_default_str();
  command
      ->add_option("--threat-cache", options->threat_cache,
                   "Directory of the feeds' last good copies (kept; marked not applied)")
      ->capture_default_str();
  command->callback([&exit_code, options] {
    const std::string hint = geteuid() != 0 ? " (run as root)" : "";
    bool failed = false;
    if (auto removed = nft::MakeNftDataplane()->Remove(); removed) {
      std::cout << "removed table inet netwarden\n";
    } else {
      std::cerr << "flush failed: " << removed.error().ToString() << hint << "\n";
      failed = true;
    }
    if (auto removed = threats::FlushThreats(options->threat_cache); removed) {
      std::cout << "removed table inet " << threats::kThreatTable << "\n";
    } else {
      std::cerr << "threats flush failed: " << removed.error().ToString() << hint << "\n";
      failed = true;
    }
#ifdef NETWARDEN_HAVE_BPF
    if (auto removed = appfw::LibbpfKernel("", options->pin_dir).Flush(); removed) {
      std::cout << "removed the app firewall's links and pins under " << options->pin_dir << "\n";
    } else {
      std::cerr << "app firewall flush failed: " << removed.error().ToString() << hint << "\n";
      failed = true;
    }
#endif
    if (!failed) std::cout << "enforcement is off\n";
    exit_code = failed ? kExitFailure : kExitOk;
  });
}

}  // namespace netwarden::cli
