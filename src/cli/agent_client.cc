#include "cli/agent_client.h"

#include <iostream>

#include "agent/control_socket.h"
#include "cli/command.h"

namespace netwarden::cli {

std::optional<nlohmann::json> AskAgent(const std::string& control, const nlohmann::json& request) {
  auto response = agent::CallAgent(control, request);
  if (!response) {
    std::cerr << response.error().ToString() << "\n";
    return std::nullopt;
  }
  if (!response->value("ok", false)) {
    std::cerr << "agent: " << response->value("error", "refused") << "\n";
    return std::nullopt;
  }
  return *response;
}

void PrintThreatFeeds(const nlohmann::json& threats) {
  if (!threats.contains("feeds")) return;
  for (const auto& feed : threats["feeds"]) {
    std::cout << "threat feed: " << feed.value("name", "") << " (" << feed.value("action", "")
              << "): " << feed.value("entries", 0) << " entries";
    if (feed.contains("age_seconds")) {
      std::cout << ", downloaded " << HumanDuration(feed["age_seconds"].get<int64_t>()) << " ago";
    }
    if (feed.contains("checked_seconds_ago")) {
      std::cout << ", checked " << HumanDuration(feed["checked_seconds_ago"].get<int64_t>())
                << " ago";
    }
    std::cout << ": " << feed.value("result", "") << "\n";
  }
}

}  // namespace netwarden::cli
