// Pulse / Ivanti Connect Secure: "... PulseSecure: - - - <local time> - <node> - [<ip>]
// <user>(<realm>)[<roles>] - <message>". The session id appears as "(session:sid...)".

#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

std::string_view SessionId(std::string_view message) {
  auto at = message.find("session:");
  if (at == std::string_view::npos) return {};
  std::string_view rest = Trim(message.substr(at + 8));
  return TokenUntil(rest, ") ,");
}

class PulseParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) override {
    auto tag = line.find("PulseSecure: ");
    if (tag == std::string_view::npos) tag = line.find("IvantiConnectSecure: ");
    if (tag == std::string_view::npos) return LineOutcome::kUnparsed;
    // Prefer the header when it states its offset (RFC 5424); else the appliance's local time.
    std::string_view header = line;
    LoggedTime logged;
    bool header_time = ConsumeHeaderTime(header, logged);
    std::string_view body = line.substr(line.find(' ', tag) + 1);
    ConsumePrefix(body, "- - - ");
    LoggedTime body_time;
    if (header_time && logged.utc_offset_seconds) {
      out.time = time.Resolve(logged);
    } else if (std::string_view stamp = body; ConsumeIsoTime(stamp, body_time)) {
      out.time = time.Resolve(body_time);
    } else if (header_time) {
      out.time = time.Resolve(logged);
    } else {
      return LineOutcome::kUnparsed;
    }
    auto bracket = body.find(" - [");
    if (bracket == std::string_view::npos) return LineOutcome::kIgnored;
    std::string_view rest = body.substr(bracket + 4);
    out.source = ParseAddress(Before(rest, "]"));
    auto close = rest.find("] ");
    if (close == std::string_view::npos) return LineOutcome::kIgnored;
    rest.remove_prefix(close + 2);
    auto dash = rest.find(" - ");
    if (dash == std::string_view::npos) return LineOutcome::kIgnored;
    std::string_view who = rest.substr(0, dash);
    std::string_view message = rest.substr(dash + 3);
    if (auto realm_separator = who.rfind("::"); realm_separator != std::string_view::npos) {
      who.remove_prefix(realm_separator + 2);
    }
    out.user = NormaliseUser(Before(who, "("));
    if (out.user == "system") return LineOutcome::kIgnored;
    out.session_id = SessionId(message);
    out.session_key = out.session_id;

    if (message.starts_with("Agent login succeeded") ||
        message.starts_with("VPN Tunneling: Session started")) {
      out.kind = EventKind::kSessionStart;
      if (auto with = After(message, " with ")) {
        if (message.starts_with("Agent")) out.client = Trim(Before(*with, " Pulse/"));
      }
      if (auto tunnel = After(message, "IPv4 address ")) {
        out.tunnel = ParseAddress(TokenUntil(*tunnel, ", "));
      }
    } else if (message.starts_with("VPN Tunneling: Session ended") ||
               message.starts_with("Logout from") || message.starts_with("Session timed out") ||
               message.starts_with("Max session timeout")) {
      out.kind = EventKind::kSessionEnd;
    } else if (message.starts_with("Primary authentication successful") ||
               message.starts_with("Session created for user")) {
      out.kind = EventKind::kLoginSuccess;
      out.session_key.clear();
    } else if (message.starts_with("Primary authentication failed")) {
      out.kind = EventKind::kLoginFailure;
      out.session_key.clear();
    } else {
      return LineOutcome::kIgnored;
    }
    if (out.user.empty() && out.kind != EventKind::kSessionEnd) return LineOutcome::kIgnored;
    return LineOutcome::kEvent;
  }
};

}  // namespace

std::unique_ptr<LineParser> MakePulseParser() { return std::make_unique<PulseParser>(); }

}  // namespace netwarden::audit
