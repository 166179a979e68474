// ocserv (OpenConnect server) via syslog: "main[user]:ip:port user logged in",
// "... user disconnected (reason: ...)", "worker[user]: ip worker-auth.c:N: failed authentication
// for 'user'". Sessions are keyed by user|ip because worker lines omit the port.

#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

class OcservParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) override {
    auto tag = line.find("ocserv[");
    if (tag == std::string_view::npos) return LineOutcome::kUnparsed;
    std::string_view header = line;
    if (!ConsumeHeaderUtc(header, time, out.time)) return LineOutcome::kUnparsed;
    auto body = After(line.substr(tag), "]: ");
    if (!body) return LineOutcome::kIgnored;
    std::string_view message = *body;
    bool main = ConsumePrefix(message, "main[");
    if (!main && !ConsumePrefix(message, "worker[")) return LineOutcome::kIgnored;
    auto close = message.find(']');
    if (close == std::string_view::npos) return LineOutcome::kIgnored;
    out.user = NormaliseUser(message.substr(0, close));
    message.remove_prefix(close + 1);
    ConsumePrefix(message, ":");
    message = Trim(message);
    std::string_view address = TokenUntil(message, " ");
    out.source = main ? ParseAddressWithPort(address) : ParseAddress(address);
    if (!out.source) return LineOutcome::kIgnored;
    message.remove_prefix(address.size());
    message = Trim(message);
    // user|ip; the address's text is what the line carries, so no formatting is needed.
    std::string_view ip_text = main ? address.substr(0, address.rfind(':')) : address;
    if (ip_text.size() > 2 && ip_text.front() == '[')
      ip_text = ip_text.substr(1, ip_text.size() - 2);
    out.session_key.reserve(out.user.size() + 1 + ip_text.size());
    out.session_key.append(out.user).append(1, '|').append(ip_text);
    if (message.starts_with("user logged in")) {
      out.kind = EventKind::kSessionStart;
    } else if (message.starts_with("user disconnected")) {
      out.kind = EventKind::kSessionEnd;
    } else if (auto failed = After(message, "failed authentication for '")) {
      std::string user = NormaliseUser(Before(*failed, "'"));
      if (!user.empty()) out.user = user;
      out.session_key.clear();
      out.kind = EventKind::kLoginFailure;
    } else if (auto sending = After(message, "sending IPv4 ")) {
      out.tunnel = ParseAddress(TokenUntil(*sending, " "));
      out.kind = EventKind::kSessionInfo;
    } else {
      return LineOutcome::kIgnored;
    }
    return LineOutcome::kEvent;
  }
};

}  // namespace

std::unique_ptr<LineParser> MakeOcservParser() { return std::make_unique<OcservParser>(); }

}  // namespace netwarden::audit
