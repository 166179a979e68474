// OpenVPN server log (--log / syslog). Lines of one client carry "<ip>:<port>" or
// "<cn>/<ip>:<port>", which is the session key: the real address and port of the client.

#include <array>

#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

// "Mon Jan  5 10:00:00 2024 " (OpenVPN's own), "2024-01-05 10:00:00 " (--log with
// timestamps) or a syslog header followed by "host openvpn[pid]: ".
bool ConsumeOpenVpnTime(std::string_view& line, TimeResolver& time, int64_t& out) {
  static constexpr std::array<std::string_view, 7> kWeekdays = {"Mon ", "Tue ", "Wed ", "Thu ",
                                                                "Fri ", "Sat ", "Sun "};
  for (std::string_view weekday : kWeekdays) {
    if (!line.starts_with(weekday)) continue;
    std::string_view rest = line.substr(4);
    LoggedTime logged;
    if (!ConsumeSyslogTime(rest, logged.civil) || logged.civil.year != 0 || rest.size() < 5 ||
        rest[0] != ' ') {
      return false;
    }
    auto year = ParseInt(rest.substr(1, 4));
    if (!year) return false;
    logged.civil.year = static_cast<int>(*year);
    line = rest.substr(5);
    out = time.Resolve(logged);
    return true;
  }
  return ConsumeHeaderUtc(line, time, out);
}

// Skips "host openvpn[pid]: " after a syslog header; false when another program wrote the line.
bool ConsumeSyslogProgram(std::string_view& message) {
  std::string_view probe = Trim(message);
  auto host_end = probe.find(' ');
  if (host_end == std::string_view::npos) return true;
  std::string_view program = probe.substr(host_end + 1);
  auto colon = program.find(": ");
  if (colon == std::string_view::npos) return true;
  std::string_view tag = program.substr(0, colon);
  if (tag.find(' ') != std::string_view::npos || tag.empty() || tag.back() != ']') return true;
  if (tag.find("openvpn") == std::string_view::npos && tag.find("ovpn") == std::string_view::npos) {
    return false;
  }
  message = program.substr(colon + 2);
  return true;
}

// "1.2.3.4:5678 rest" or "cn/1.2.3.4:5678 rest": fills the key, address and common name.
bool ConsumeClientPrefix(std::string_view& message, Event& out, std::string_view& common_name) {
  std::string_view token = TokenUntil(message, " ");
  std::string_view address = token;
  auto slash = token.rfind('/');
  if (slash != std::string_view::npos) {
    common_name = token.substr(0, slash);
    address = token.substr(slash + 1);
  }
  auto source = ParseAddressWithPort(address);
  if (!source || address.find(':') == std::string_view::npos) return false;
  out.source = source;
  out.session_key = address;
  message = Trim(message.substr(token.size()));
  return true;
}

constexpr std::array<std::string_view, 16> kKnownMessages = {"MULTI",
                                                             "TLS",
                                                             "VERIFY",
                                                             "OpenVPN",
                                                             "Initialization",
                                                             "UDPv",
                                                             "TCPv",
                                                             "Socket",
                                                             "NOTE",
                                                             "WARNING",
                                                             "Control Channel",
                                                             "Data Channel",
                                                             "TUN/TAP",
                                                             "net_",
                                                             "library versions",
                                                             "DCO"};

class OpenVpnLogParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) override {
    std::string_view message = line;
    if (!ConsumeOpenVpnTime(message, time, out.time)) return LineOutcome::kUnparsed;
    if (!ConsumeSyslogProgram(message)) return LineOutcome::kUnparsed;
    message = Trim(message);
    if (auto learned = After(message, "MULTI: Learn: ")) {
      std::string_view rest = *learned;
      out.tunnel = ParseAddress(TokenUntil(rest, " "));
      auto arrow = After(rest, " -> ");
      std::string_view common_name;
      if (!out.tunnel || !arrow || !ConsumeClientPrefix(*arrow, out, common_name)) {
        return LineOutcome::kIgnored;
      }
      out.kind = EventKind::kSessionInfo;
      return LineOutcome::kEvent;
    }
    std::string_view common_name;
    if (!ConsumeClientPrefix(message, out, common_name)) {
      for (std::string_view known : kKnownMessages) {
        if (message.starts_with(known)) return LineOutcome::kIgnored;
      }
      return LineOutcome::kUnparsed;
    }
    if (auto peer = After(message, "Peer Connection Initiated with ")) {
      if (message.front() == '[') common_name = Before(message.substr(1), "]");
      out.user = NormaliseUser(common_name);
      out.kind = EventKind::kSessionStart;
      return LineOutcome::kEvent;
    }
    if (auto pool = After(message, "pool returned IPv4=")) {
      out.tunnel = ParseAddress(TokenUntil(*pool, ", "));
      out.user = NormaliseUser(common_name);
      out.kind = EventKind::kSessionInfo;
      return LineOutcome::kEvent;
    }
    if (auto user = After(message, "authentication succeeded for username '")) {
      out.user = NormaliseUser(Before(*user, "'"));
      out.kind = EventKind::kSessionInfo;
      return LineOutcome::kEvent;
    }
    if (message.find("Auth Username/Password verification failed") != std::string_view::npos ||
        message.find("AUTH_FAILED") != std::string_view::npos) {
      if (auto user = After(message, "username '")) out.user = NormaliseUser(Before(*user, "'"));
      out.kind = EventKind::kLoginFailure;
      return LineOutcome::kEvent;
    }
    if (message.find("client-instance exiting") != std::string_view::npos ||
        message.find("client-instance restarting") != std::string_view::npos) {
      out.kind = EventKind::kSessionEnd;
      return LineOutcome::kEvent;
    }
    return LineOutcome::kIgnored;
  }
};

}  // namespace

std::unique_ptr<LineParser> MakeOpenVpnLogParser() { return std::make_unique<OpenVpnLogParser>(); }

}  // namespace netwarden::audit
