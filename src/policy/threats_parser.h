#pragma once

#include "core/yaml_reader.h"
#include "policy/threats_policy.h"

namespace netwarden {

// Reads `threat_feeds:` and `inspection:` (absent nodes = no feeds). Errors go to `reader`.
void ParseThreatFeeds(YamlReader& reader, const YAML::Node& feeds, const YAML::Node& inspection,
                      ThreatPolicy& threats);

// Feed names become kernel object names and log prefixes, so they are kept short and plain.
bool IsValidFeedName(std::string_view name);

// "90s", "15m", "1h", "1d" -> seconds; nullopt when malformed.
std::optional<int64_t> ParseDuration(std::string_view text);

}  // namespace netwarden
