#include "policy/threats_parser.h"

#include <charconv>
#include <set>

#include "policy/policy_parser.h"

namespace netwarden {

const char* ThreatActionName(ThreatAction action) {
  switch (action) {
    case ThreatAction::kBlock:
      return "block";
    case ThreatAction::kLog:
      return "log";
    case ThreatAction::kInspect:
      return "inspect";
  }
  return "?";
}

std::string InspectionInterfaceInUse(const ThreatPolicy& threats) {
  for (const auto& feed : threats.feeds) {
    if (feed.action == ThreatAction::kInspect) return threats.inspection_interface;
  }
  return "";
}

bool IsValidFeedName(std::string_view name) {
  if (name.empty() || name.size() > 24) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<int64_t> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t unit = 1;
  switch (text.back()) {
    case 's':
      unit = 1;
      text.remove_suffix(1);
      break;
    case 'm':
      unit = 60;
      text.remove_suffix(1);
      break;
    case 'h':
      unit = 3600;
      text.remove_suffix(1);
      break;
    case 'd':
      unit = 86400;
      text.remove_suffix(1);
      break;
    default:
      break;
  }
  int64_t count = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (ec != std::errc() || end != text.data() + text.size() || count <= 0 || count > 1000000) {
    return std::nullopt;
  }
  return count * unit;
}

namespace {

bool IsSupportedUrl(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("file://");
}

void ParseFeed(YamlReader& reader, const YAML::Node& entry, std::set<std::string>& names,
               ThreatPolicy& threats) {
  if (!reader.ExpectMap(entry, "a threat feed",
                        {"name", "url", "format", "column", "refresh", "action", "max_entries",
                         "min_prefix_v4", "min_prefix_v6", "ca_file"})) {
    return;
  }
  ThreatFeed feed;
  if (!entry["name"]) {
    reader.Fail(entry, "a threat feed needs a 'name'");
  } else if (auto name = reader.String(entry["name"], "threat_feeds.name")) {
    if (!IsValidFeedName(*name)) {
      reader.Fail(entry["name"], "feed name '" + *name + "' must be 1-24 of a-z 0-9 _ -");
    } else if (!names.insert(*name).second) {
      reader.Fail(entry["name"], "duplicate feed name '" + *name + "'");
    }
    feed.name = *name;
  }
  if (!entry["url"]) {
    reader.Fail(entry, "threat feed '" + feed.name + "' needs a 'url'");
  } else if (auto url = reader.String(entry["url"], "threat_feeds.url")) {
    if (!IsSupportedUrl(*url)) {
      reader.Fail(entry["url"], url->starts_with("http://")
                                    ? "feed url must start with https:// (plain http lets anyone "
                                      "on the path change the list)"
                                    : "feed url must start with https:// or file://");
    }
    feed.url = *url;
  }
  if (entry["format"]) {
    if (auto format =
            reader.Choice(entry["format"], "threat_feeds.format",
                          {"auto", "plain", "firehol", "spamhaus-drop", "spamhaus-json", "csv"})) {
      feed.format = *format;
    }
  }
  if (entry["column"]) {
    if (auto column = reader.String(entry["column"], "threat_feeds.column")) feed.column = *column;
  }
  if (feed.format == "csv" && feed.column.empty()) {
    reader.Fail(entry, "a csv feed needs 'column' (the header name of the address column)");
  }
  if (entry["refresh"]) {
    if (auto text = reader.String(entry["refresh"], "threat_feeds.refresh")) {
      auto seconds = ParseDuration(*text);
      if (!seconds || *seconds < 60) {
        reader.Fail(entry["refresh"], "refresh must be a duration of at least 60s (e.g. 1h)");
      } else {
        feed.refresh_seconds = *seconds;
      }
    }
  }
  if (entry["action"]) {
    if (auto action =
            reader.Choice(entry["action"], "threat_feeds.action", {"block", "log", "inspect"})) {
      feed.action = *action == "block" ? ThreatAction::kBlock
                    : *action == "log" ? ThreatAction::kLog
                                       : ThreatAction::kInspect;
    }
  }
  if (entry["ca_file"]) {
    if (auto path = reader.String(entry["ca_file"], "threat_feeds.ca_file")) {
      if (!path->starts_with("/"))
        reader.Fail(entry["ca_file"], "ca_file must be an absolute path");
      feed.ca_file = *path;
    }
  }
  if (entry["max_entries"]) {
    if (auto count =
            reader.Integer(entry["max_entries"], "threat_feeds.max_entries", 1, 100'000'000)) {
      feed.max_entries = static_cast<size_t>(*count);
    }
  }
  if (entry["min_prefix_v4"]) {
    if (auto length = reader.Integer(entry["min_prefix_v4"], "threat_feeds.min_prefix_v4", 0, 32)) {
      feed.min_prefix_v4 = static_cast<int>(*length);
    }
  }
  if (entry["min_prefix_v6"]) {
    if (auto length =
            reader.Integer(entry["min_prefix_v6"], "threat_feeds.min_prefix_v6", 0, 128)) {
      feed.min_prefix_v6 = static_cast<int>(*length);
    }
  }
  threats.feeds.push_back(std::move(feed));
}

}  // namespace

void ParseThreatFeeds(YamlReader& reader, const YAML::Node& feeds, const YAML::Node& inspection,
                      ThreatPolicy& threats) {
  if (reader.ExpectSequence(feeds, "threat_feeds") && feeds) {
    std::set<std::string> names;
    for (const auto& entry : feeds) ParseFeed(reader, entry, names, threats);
  }
  if (inspection) {
    if (reader.ExpectMap(inspection, "inspection", {"interface"}) && inspection["interface"]) {
      if (auto name = reader.String(inspection["interface"], "inspection.interface")) {
        if (!IsValidInterfacePattern(*name) || name->find('*') != std::string::npos) {
          reader.Fail(inspection["interface"], "'" + *name + "' is not an interface name");
        }
        threats.inspection_interface = *name;
      }
    }
  }
  for (const auto& feed : threats.feeds) {
    if (feed.action == ThreatAction::kInspect && threats.inspection_interface.empty()) {
      reader.Fail(feeds, "feed '" + feed.name +
                             "' uses action inspect but 'inspection.interface' is not set");
    }
  }
}

}  // namespace netwarden
