#include <grp.h>

#include <cstdlib>
#include <iostream>

#include "agent/agent.h"
#include "cli/command.h"

namespace netwarden::cli {

void RegisterAgentCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "agent", "Run the agent in the foreground: keep enforcement equal to the policy");
  auto options = std::make_shared<agent::AgentOptions>();
  auto group_name = std::make_shared<std::string>();
  auto no_syslog = std::make_shared<bool>(false);
  command->add_option("--policy", options->policy_path, "Policy file (YAML)")->required();
  command->add_option("--control", options->control_path, "Control socket path")
      ->capture_default_str();
  command->add_option("--control-group", *group_name,
                      "Group whose members may use status, explain and portal");
  command->add_option("--events", options->events_path, "Events file (JSON lines); '' = none")
      ->capture_default_str();
  command->add_option("--state", options->state_path, "State file (survives restarts)")
      ->capture_default_str();
  command->add_option("--resolv-conf", options->resolv_conf, "The system's resolver list")
      ->capture_default_str();
  command->add_option("--threat-cache", options->threat_cache,
                      "Last good copies of the threat feeds (enforced at start, before any network)")
      ->capture_default_str();
  command->add_option("--cgroup", options->cgroup,
                      "cgroup-v2 directory the per-program firewall attaches to (default: the "
                      "root cgroup)");
  command->add_option("--pin", options->pin_dir, "bpffs directory of the per-program firewall")
      ->capture_default_str();
  auto resync_ms = std::make_shared<int>(static_cast<int>(options->resync_interval.count()));
  command->add_option("--resync-ms", *resync_ms,
                      "Full check of every plane against the kernel, this often (ms)")
      ->capture_default_str();
  command->add_flag("--trailing-debounce", options->trailing_debounce,
                    "Delay every network snapshot by the debounce (the old behaviour; for the "
                    "reaction-time benchmark's baseline)");
  command->add_flag("--no-syslog", *no_syslog, "Do not copy events to syslog/journal");
  command->callback([&exit_code, options, group_name, no_syslog, resync_ms] {
    options->syslog = !*no_syslog;
    options->resync_interval = std::chrono::milliseconds(std::max(*resync_ms, 100));
    if (!group_name->empty()) {
      const struct group* entry = getgrnam(group_name->c_str());
      if (!entry) {
        std::cerr << "unknown group '" << *group_name << "'\n";
        exit_code = kExitBadInput;
        return;
      }
      options->control_group = entry->gr_gid;
    }
    auto deps = agent::SystemDeps();
    if (!deps) {
      std::cerr << "agent: " << deps.error().ToString() << "\n";
      exit_code = kExitFailure;
      return;
    }
    auto created = agent::Agent::Create(*options, std::move(*deps));
    if (!created) {
      std::cerr << "agent: " << created.error().ToString() << "\n";
      exit_code = kExitFailure;
      return;
    }
    // Worker threads may still be waiting on the network: end the process without joining them.
    std::cout.flush();
    std::_Exit((*created)->Run());
  });
}

}  // namespace netwarden::cli
