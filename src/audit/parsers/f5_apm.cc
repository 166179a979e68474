// F5 BIG-IP APM (/var/log/apm): "<syslog header> <proc>[pid]: <msgid>:<sev>: <sid>: <text>".
// A session's facts arrive on separate lines tied by the session id; the sessionizer joins them.

#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

// Finds "0149dddd:d: " and returns the 8-digit message id; `rest` is left after it.
std::string_view FindMessageId(std::string_view line, std::string_view& rest) {
  size_t from = 0;
  while (true) {
    size_t at = line.find(": 0149", from);
    if (at == std::string_view::npos) return {};
    std::string_view candidate = line.substr(at + 2);
    bool shaped = candidate.size() >= 12 && candidate[8] == ':' && candidate[10] == ':' &&
                  candidate[11] == ' ';
    for (size_t i = 0; shaped && i < 8; ++i) shaped = candidate[i] >= '0' && candidate[i] <= '9';
    if (shaped) {
      rest = candidate.substr(12);
      return candidate.substr(0, 8);
    }
    from = at + 2;
  }
}

// Quotes F5 puts around user names; the name itself may contain anything but the quote.
std::string_view Quoted(std::string_view text) {
  auto open = text.find('\'');
  if (open == std::string_view::npos) return {};
  auto close = text.find('\'', open + 1);
  if (close == std::string_view::npos) return {};
  return text.substr(open + 1, close - open - 1);
}

std::string ClientInfo(std::string_view text) {
  std::string client;
  for (std::string_view key : {"Type: ", "Version: ", "Platform: "}) {
    auto value = After(text, key);
    if (!value) continue;
    std::string_view word = TokenUntil(*value, " ");
    if (word.empty()) continue;
    if (!client.empty()) client += key == "Version: " ? " " : "/";
    client += word;
  }
  return client;
}

class F5ApmParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) override {
    std::string_view rest;
    std::string_view id = FindMessageId(line, rest);
    if (id.empty()) return LineOutcome::kUnparsed;
    std::string_view header = line;
    if (!ConsumeHeaderUtc(header, time, out.time)) return LineOutcome::kUnparsed;
    // "<sid>: text"; since v13 the sid is "/Common/<profile>:Common:<8-hex>".
    auto sid_end = rest.find(": ");
    if (sid_end == std::string_view::npos) return LineOutcome::kIgnored;
    std::string_view sid = rest.substr(0, sid_end);
    if (auto colon = sid.rfind(':'); colon != std::string_view::npos) sid.remove_prefix(colon + 1);
    std::string_view text = rest.substr(sid_end + 2);
    if (sid.empty() || sid.find(' ') != std::string_view::npos) return LineOutcome::kIgnored;
    out.session_key = sid;
    out.session_id = sid;

    if (id == "01490500") {
      auto address = After(text, "client IP ");
      if (!address) return LineOutcome::kUnparsed;
      out.source = ParseAddress(TokenUntil(*address, " "));
      if (!out.source) return LineOutcome::kUnparsed;
      if (auto country = After(text, "CC=")) out.vendor_country = TokenUntil(*country, "/) ");
      out.kind = EventKind::kSessionInfo;
      return LineOutcome::kEvent;
    }
    if (id == "01490010") {
      auto user = After(text, "Username ");
      if (!user) return LineOutcome::kIgnored;
      out.user = NormaliseUser(Quoted(*user));
      out.kind = EventKind::kSessionInfo;
      return LineOutcome::kEvent;
    }
    if (id == "01490102") {
      auto result = After(text, "Access policy result: ");
      if (!result) return LineOutcome::kIgnored;
      std::string_view verdict = Trim(*result);
      out.kind =
          verdict.starts_with("Logon_Deny") ? EventKind::kLoginFailure : EventKind::kSessionStart;
      return LineOutcome::kEvent;
    }
    if (id == "01490549") {
      auto tunnel = After(text, "Assigned PPP Dynamic IPv4: ");
      if (!tunnel) tunnel = After(text, "Assigned PPP Dynamic IPv6: ");
      if (!tunnel) return LineOutcome::kIgnored;
      out.tunnel = ParseAddress(TokenUntil(*tunnel, " "));
      if (auto client_ip = After(text, "Client IP: ")) {
        out.source = ParseAddress(TokenUntil(*client_ip, " "));
      }
      out.kind = EventKind::kSessionInfo;
      return LineOutcome::kEvent;
    }
    if (id == "01490544") {
      out.client = ClientInfo(text);
      out.kind = EventKind::kSessionInfo;
      return LineOutcome::kEvent;
    }
    if (id == "01490501" || id == "01490520") {
      out.kind = EventKind::kSessionEnd;
      return LineOutcome::kEvent;
    }
    return LineOutcome::kIgnored;
  }
};

}  // namespace

std::unique_ptr<LineParser> MakeF5ApmParser() { return std::make_unique<F5ApmParser>(); }

}  // namespace netwarden::audit
