// Commands that talk to a running agent over its control socket: status, reload, portal.
#include <iostream>

#include "agent/control_socket.h"
#include "cli/agent_client.h"
#include "cli/command.h"

namespace netwarden::cli {
namespace {

void PrintStatus(const nlohmann::json& status) {
  std::cout << "state:       " << status.value("state", "?") << "\n";
  std::cout << "policy:      " << status.value("policy", "?") << "\n";
  if (status.contains("policy_error")) {
    std::cout << "policy error (previous policy in force): " << status["policy_error"].get<std::string>()
              << "\n";
  }
  for (const auto& trusted : status["trusted"]) {
    std::cout << "trusted:     " << trusted.value("network", "") << " on "
              << trusted.value("interface", "") << "\n";
  }
  for (const auto& tunnel : status["tunnels"]) std::cout << "tunnel:      " << tunnel.get<std::string>() << "\n";
  for (const auto& gateway : status["gateways"]) {
    std::cout << "gateway:     " << gateway.value("gateway", "") << " -> "
              << gateway.value("address", "") << "\n";
  }
  for (const auto& name : status["unresolved"]) {
    std::cout << "unresolved:  " << name.get<std::string>() << "\n";
  }
  const auto& portal = status["portal_window"];
  if (portal.value("open", false)) {
    std::cout << "portal:      open for " << portal.value("remaining_seconds", 0) << " s\n";
  }
  for (const auto& route : status["route_warnings"]) {
    std::cout << "route:       " << route.get<std::string>() << " (outside the tunnel; blocked)\n";
  }
  if (status.contains("threats")) PrintThreatFeeds(status["threats"]);
  std::cout << "generation:  " << status.value("generation", 0) << "\n";
  std::cout << "last apply:  " << status["last_apply"].dump() << "\n";
  std::cout << "counters:    " << status["counters"].dump() << "\n";
}

}  // namespace

void RegisterStatusCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("status", "Show the running agent's state");
  auto control = std::make_shared<std::string>(agent::kDefaultControlPath);
  auto json = std::make_shared<bool>(false);
  command->add_option("--control", *control, "Agent control socket")->capture_default_str();
  command->add_flag("--json", *json, "Print the status as JSON");
  command->callback([&exit_code, control, json] {
    auto response = AskAgent(*control, {{"command", "status"}});
    if (!response) {
      exit_code = kExitFailure;
      return;
    }
    if (*json) {
      std::cout << (*response)["status"].dump(2) << "\n";
    } else {
      PrintStatus((*response)["status"]);
    }
    exit_code = kExitOk;
  });
}

void RegisterReloadCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "reload", "Make the agent re-read its policy (a bad policy is refused; the old one stays)");
  auto control = std::make_shared<std::string>(agent::kDefaultControlPath);
  command->add_option("--control", *control, "Agent control socket")->capture_default_str();
  command->callback([&exit_code, control] {
    auto response = AskAgent(*control, {{"command", "reload"}});
    exit_code = response ? kExitOk : kExitFailure;
    if (response) std::cout << "reloaded (generation " << response->value("generation", 0) << ")\n";
  });
}

void RegisterPortalCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "portal", "Open HTTP/HTTPS for a bounded time to log in to a captive portal");
  auto control = std::make_shared<std::string>(agent::kDefaultControlPath);
  auto length = std::make_shared<std::string>("5m");
  command->add_option("--control", *control, "Agent control socket")->capture_default_str();
  command->add_option("--for", *length, "How long: 90s, 5m (at most 15m)")->capture_default_str();
  command->callback([&exit_code, control, length] {
    long long seconds = 0;
    size_t used = 0;
    try {
      seconds = std::stoll(*length, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    const std::string unit = length->substr(used);
    if (used == 0 || (unit != "" && unit != "s" && unit != "m")) {
      std::cerr << "--for takes a duration like 90s or 5m\n";
      exit_code = kExitBadInput;
      return;
    }
    if (unit == "m") seconds *= 60;
    auto response = AskAgent(*control, {{"command", "portal"}, {"seconds", seconds}});
    exit_code = response ? kExitOk : kExitFailure;
    if (response) {
      std::cout << "captive-portal window open for " << seconds
                << " s; it closes by itself\n";
    }
  });
}

}  // namespace netwarden::cli
