#pragma once
// The `threat_feeds:` and `inspection:` sections: IP-reputation feeds and what to do with them.

#include <cstdint>
#include <string>
#include <vector>

namespace netwarden {

enum class ThreatAction : uint8_t { kBlock, kLog, kInspect };

// The packet mark of connections to `inspect` destinations: policy routing sends them into the
// inspection interface, and the forced-VPN table lets only marked packets out there.
inline constexpr uint32_t kInspectMark = 0x4e570006;

struct ThreatFeed {
  std::string name;     // [a-z0-9_-]{1,24}: it names kernel sets, chains and the log prefix
  std::string url;      // https:// or file://
  std::string ca_file;  // https: trust only this CA bundle (a private feed server); "" = system CAs
  std::string format = "auto";  // auto | plain | firehol | spamhaus-drop | spamhaus-json | csv
  std::string column;   // csv only: the header name of the address column
  int64_t refresh_seconds = 3600;
  ThreatAction action = ThreatAction::kBlock;
  // Bounds on what one download may make us enforce: more entries than this refuse the feed
  // (its last good list stays), and so does one entry shorter than the minimum prefix (a feed
  // of 0.0.0.0/0 or ::/0 would block, or inspect, everything).
  size_t max_entries = 2'000'000;
  int min_prefix_v4 = 8;
  int min_prefix_v6 = 16;
  bool operator==(const ThreatFeed&) const = default;
};

struct ThreatPolicy {
  std::vector<ThreatFeed> feeds;
  std::string inspection_interface;  // where `inspect` destinations are routed (empty = none)
  bool operator==(const ThreatPolicy&) const = default;
};

const char* ThreatActionName(ThreatAction action);

// The inspection interface when some feed inspects, else "".
std::string InspectionInterfaceInUse(const ThreatPolicy& threats);

}  // namespace netwarden
