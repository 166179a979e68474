#pragma once
// Talking to the running agent from CLI commands (status, reload, portal, threats refresh).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace netwarden::cli {

// Sends the request; prints the error and returns nullopt when the agent refused or is absent.
std::optional<nlohmann::json> AskAgent(const std::string& control, const nlohmann::json& request);

// The "threats" part of the agent's status: one line per feed.
void PrintThreatFeeds(const nlohmann::json& threats);

}  // namespace netwarden::cli
