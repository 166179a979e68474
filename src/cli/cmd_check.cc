#include <iostream>

#include "cli/command.h"
#include "cli/inputs.h"

namespace netwarden::cli {

namespace {

// "enforces: vpn (report), apps, threat_feeds": the planes this policy turns on.
std::string Planes(const Policy& policy) {
  std::string planes;
  auto add = [&](const std::string& plane) { planes += (planes.empty() ? "" : ", ") + plane; };
  if (policy.vpn) {
    add(policy.vpn->mode == VpnMode::kReport ? "vpn (report)" : "vpn");
  }
  if (policy.apps.present) add("apps");
  if (!policy.threats.feeds.empty()) add("threat_feeds");
  return "enforces: " + (planes.empty() ? std::string("nothing") : planes);
}

}  // namespace

void RegisterCheckCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("check", "Validate a policy file (exit 2 when it is wrong)");
  auto policy_path = std::make_shared<std::string>();
  command->add_option("policy", *policy_path, "Policy file (YAML)")->required();
  command->callback([&exit_code, policy_path] {
    auto inputs = LoadInputs(*policy_path, "", /*print_warnings=*/true);
    if (!inputs) {
      exit_code = kExitBadInput;
      return;
    }
    std::cout << *policy_path << ": ok (" << Planes(inputs->policy) << "; "
              << inputs->policy.gateways.size() << " gateways, "
              << inputs->policy.trusted_networks.size() << " trusted networks, "
              << inputs->policy.breakout.size() << " breakout entries, "
              << inputs->policy.warnings.size() << " warnings)\n";
    exit_code = kExitOk;
  });
}

}  // namespace netwarden::cli
