#pragma once
// One LineParser per vendor format. A parser turns one line into at most one Event and says
// whether the line was its vendor's but irrelevant (kIgnored) or not understood (kUnparsed);
// format detection and the unparsed-line report both rest on that distinction.

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "audit/event.h"
#include "audit/time_zone.h"

namespace netwarden::audit {

enum class LineOutcome : uint8_t { kEvent, kIgnored, kUnparsed };

class LineParser {
 public:
  virtual ~LineParser() = default;
  // `out` is reset by the caller; parsers set only what the line carries.
  virtual LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) = 0;
};

std::unique_ptr<LineParser> MakeF5ApmParser();
std::unique_ptr<LineParser> MakeCiscoAsaParser();
std::unique_ptr<LineParser> MakeFortiGateParser();
std::unique_ptr<LineParser> MakeGlobalProtectParser();
std::unique_ptr<LineParser> MakeOpenVpnLogParser();
std::unique_ptr<LineParser> MakeOpenVpnStatusParser();
std::unique_ptr<LineParser> MakeOcservParser();
std::unique_ptr<LineParser> MakePulseParser();

std::unique_ptr<LineParser> MakeParser(LogFormat format);
std::span<const LogFormat> AllFormats();

// The format that recognises the most of `sample` (ties: the one yielding more events);
// nullopt when no format recognises any line.
std::optional<LogFormat> DetectFormat(std::span<const std::string> sample, const TimeZone& zone);

// Shared by the syslog-framed formats: the header timestamp resolved to UTC, consumed from `line`.
bool ConsumeHeaderUtc(std::string_view& line, TimeResolver& time, int64_t& out);

}  // namespace netwarden::audit
