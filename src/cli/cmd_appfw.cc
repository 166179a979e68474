// `netwarden appfw apply|flush|status|events`: the per-program firewall in the kernel (eBPF).
#include <csignal>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "agent/apps_manager.h"
#include "appfw/app_explain.h"
#include "appfw/compile.h"
#include "cli/command.h"
#include "policy/policy_parser.h"
#ifdef NETWARDEN_HAVE_BPF
#include "appfw/libbpf_kernel.h"
#endif

namespace netwarden::cli {
namespace {

struct AppfwOptions {
  std::string policy_path;
  std::string cgroup;  // empty = the root of the cgroup-v2 hierarchy
  std::string pin_dir = "/sys/fs/bpf/netwarden";
  bool log_allow = false;
  bool follow = false;
  bool json = false;
};

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }
bool KeepGoing() { return g_stop == 0; }
void StopOnSignals() {
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
}

#ifdef NETWARDEN_HAVE_BPF
using appfw::LibbpfKernel;

// One shot: the same manager the agent runs, applied once (the agent is the daemon that keeps
// it in force: re-resolving replaced binaries, repairing detached links).
int Apply(const AppfwOptions& options) {
  auto policy = LoadPolicyFile(options.policy_path);
  if (!policy) {
    std::cerr << policy.error().ToString() << "\n";
    return kExitBadInput;
  }
  for (const auto& warning : policy->warnings)
    std::cerr << "warning: " << warning.ToString() << "\n";
  auto manager = agent::AppsManager::Create({options.cgroup, options.pin_dir, options.log_allow});
  if (!manager) {
    std::cerr << manager.error().ToString() << "\n";
    return kExitFailure;
  }
  // Without an agent, gateways' host names are resolved here, by the system resolver.
  (*manager)->SetDesired(*policy, appfw::ResolveGatewayHosts(*policy));
  if (auto applied = (*manager)->Apply(); !applied) {
    std::cerr << applied.error().ToString() << "\n";
    return kExitFailure;
  }
  const auto& tables = (*manager)->desired_tables();
  if (tables.programs.empty() && tables.rules.empty()) {
    std::cout << "no apps rules or gateway programs in " << options.policy_path
              << ": nothing pinned under " << options.pin_dir << "\n";
    return kExitOk;
  }
  const auto& report = (*manager)->last_install();
  std::cout << (report.adopted ? "updated" : "installed") << " app firewall generation "
            << report.generation << " (" << tables.rules.size() << " rules, " << report.rule_entries
            << " table entries) pinned under " << options.pin_dir << "\n";
  for (const auto& missing :
       (*manager)->Status().value("missing_programs", nlohmann::json::array())) {
    std::cout << "waiting for " << missing.get<std::string>()
              << " (does not exist yet; the agent enforces it once it appears)\n";
  }
  return kExitOk;
}

int Flush(const AppfwOptions& options) {
  LibbpfKernel kernel("", options.pin_dir);
  if (auto flushed = kernel.Flush(); !flushed) {
    std::cerr << flushed.error().ToString() << "\n";
    return kExitFailure;
  }
  std::cout << "removed app firewall pinned under " << options.pin_dir << "\n";
  return kExitOk;
}

int Status(const AppfwOptions& options) {
  LibbpfKernel kernel("", options.pin_dir);
  auto status = kernel.Status();
  if (!status) {
    std::cerr << status.error().ToString() << "\n";
    return kExitFailure;
  }
  if (!status->installed) {
    std::cout << "app firewall: not installed under " << options.pin_dir << "\n";
    return kExitOk;
  }
  std::cout << "app firewall: generation " << status->generation << ", default "
            << AppActionName(status->default_action) << ", " << status->exes << " executables, "
            << status->rule_entries << " rule entries, " << status->listen_entries
            << " listen entries, " << status->guards << " gateway guards\n";
  for (const auto& program : status->programs) {
    std::cout << "  " << program.hook << ": prog " << program.prog_id << " on cgroup "
              << program.cgroup_id << "\n";
  }
  return kExitOk;
}

int Events(const AppfwOptions& options) {
  LibbpfKernel kernel("", options.pin_dir);
  StopOnSignals();
  auto read = kernel.ReadEvents(
      [&](const appfw::AppEvent& event) {
        // Report mode: the kernel let a denied flow through.
        const std::string action = event.would_block ? "would-deny" : AppActionName(event.action);
        if (options.json) {
          std::cout << nlohmann::json{{"time", event.time},     {"action", action},
                                      {"rule", event.rule},     {"program", event.program},
                                      {"pid", event.pid},       {"uid", event.uid},
                                      {"hook", event.hook},     {"protocol", event.protocol},
                                      {"remote", event.remote}, {"port", event.port}}
                           .dump();
        } else {
          std::cout << event.time << " " << action << " " << event.rule << " " << event.hook << " "
                    << event.protocol << " " << (event.remote.empty() ? "*" : event.remote) << " "
                    << event.port << " pid=" << event.pid << " uid=" << event.uid
                    << " program=" << event.program;
        }
        std::cout << "\n" << std::flush;
      },
      options.follow, KeepGoing);
  if (!read) {
    std::cerr << read.error().ToString() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}
#else
int Unavailable(const AppfwOptions&) {
  std::cerr << "this netwarden was built without eBPF support (bpftool, clang, libbpf, BTF)\n";
  return kExitFailure;
}
int Apply(const AppfwOptions& options) { return Unavailable(options); }
int Flush(const AppfwOptions& options) { return Unavailable(options); }
int Status(const AppfwOptions& options) { return Unavailable(options); }
int Events(const AppfwOptions& options) { return Unavailable(options); }
#endif

void AddPinOption(CLI::App* command, AppfwOptions& options) {
  command->add_option("--pin", options.pin_dir, "bpffs directory of our pins")
      ->capture_default_str();
}

}  // namespace

void RegisterAppfwCommand(CLI::App& app, int& exit_code) {
  auto* appfw = app.add_subcommand("appfw", "Per-program firewall enforced in the kernel (eBPF)");
  appfw->require_subcommand(1);
  auto options = std::make_shared<AppfwOptions>();

  auto* apply = appfw->add_subcommand(
      "apply", "Install the policy's apps rules once (adopts pins; `netwarden agent` keeps them)");
  apply->add_option("policy", options->policy_path, "Policy file (YAML)")->required();
  apply->add_option("--cgroup", options->cgroup,
                    "cgroup-v2 directory to attach to (default: the root cgroup)");
  AddPinOption(apply, *options);
  apply->add_flag("--log-allow", options->log_allow, "Emit events for allowed flows too");
  apply->callback([&exit_code, options] { exit_code = Apply(*options); });

  auto* flush = appfw->add_subcommand("flush", "Detach the programs and remove the pins");
  AddPinOption(flush, *options);
  flush->callback([&exit_code, options] { exit_code = Flush(*options); });

  auto* status = appfw->add_subcommand("status", "What is installed and attached");
  AddPinOption(status, *options);
  status->callback([&exit_code, options] { exit_code = Status(*options); });

  auto* events = appfw->add_subcommand("events", "Verdict events: program, rule, destination");
  AddPinOption(events, *options);
  events->add_flag("--follow", options->follow, "Keep reading until interrupted");
  events->add_flag("--json", options->json, "One JSON object per event");
  events->callback([&exit_code, options] { exit_code = Events(*options); });
}

}  // namespace netwarden::cli
