#include "audit/parsers/parser.h"

#include <array>

namespace netwarden::audit {

namespace {

constexpr std::array kFormats = {
    LogFormat::kF5Apm, LogFormat::kCiscoAsa,      LogFormat::kFortiGate, LogFormat::kGlobalProtect,
    LogFormat::kPulse, LogFormat::kOpenVpnStatus, LogFormat::kOcserv,    LogFormat::kOpenVpnLog,
};

constexpr std::array<std::pair<LogFormat, std::string_view>, 8> kNames = {{
    {LogFormat::kF5Apm, "f5"},
    {LogFormat::kCiscoAsa, "asa"},
    {LogFormat::kFortiGate, "fortigate"},
    {LogFormat::kGlobalProtect, "globalprotect"},
    {LogFormat::kOpenVpnLog, "openvpn"},
    {LogFormat::kOpenVpnStatus, "openvpn-status"},
    {LogFormat::kOcserv, "ocserv"},
    {LogFormat::kPulse, "pulse"},
}};

}  // namespace

std::string_view LogFormatName(LogFormat format) {
  for (const auto& [value, name] : kNames) {
    if (value == format) return name;
  }
  return "unknown";
}

std::optional<LogFormat> LogFormatFromName(std::string_view name) {
  for (const auto& [value, known] : kNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::span<const LogFormat> AllFormats() { return kFormats; }

std::unique_ptr<LineParser> MakeParser(LogFormat format) {
  switch (format) {
    case LogFormat::kF5Apm:
      return MakeF5ApmParser();
    case LogFormat::kCiscoAsa:
      return MakeCiscoAsaParser();
    case LogFormat::kFortiGate:
      return MakeFortiGateParser();
    case LogFormat::kGlobalProtect:
      return MakeGlobalProtectParser();
    case LogFormat::kOpenVpnLog:
      return MakeOpenVpnLogParser();
    case LogFormat::kOpenVpnStatus:
      return MakeOpenVpnStatusParser();
    case LogFormat::kOcserv:
      return MakeOcservParser();
    case LogFormat::kPulse:
      return MakePulseParser();
  }
  return MakeF5ApmParser();
}

std::optional<LogFormat> DetectFormat(std::span<const std::string> sample, const TimeZone& zone) {
  std::optional<LogFormat> best;
  size_t best_recognised = 0;
  size_t best_events = 0;
  for (LogFormat format : kFormats) {
    auto parser = MakeParser(format);
    TimeResolver time(zone, 2000, 0);
    size_t recognised = 0;
    size_t events = 0;
    for (const std::string& line : sample) {
      Event event;
      LineOutcome outcome = parser->Parse(line, time, event);
      // An unparsed line with the vendor's message id is still the vendor's.
      if (outcome != LineOutcome::kUnparsed || !event.message_id.empty()) ++recognised;
      if (outcome == LineOutcome::kEvent) ++events;
    }
    if (recognised > best_recognised || (recognised == best_recognised && events > best_events)) {
      best = format;
      best_recognised = recognised;
      best_events = events;
    }
  }
  if (best_recognised == 0) return std::nullopt;
  return best;
}

bool ConsumeHeaderUtc(std::string_view& line, TimeResolver& time, int64_t& out) {
  LoggedTime logged;
  if (!ConsumeHeaderTime(line, logged)) return false;
  out = time.Resolve(logged);
  return true;
}

}  // namespace netwarden::audit
