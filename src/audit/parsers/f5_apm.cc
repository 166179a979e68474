// F5 BIG-IP APM (/var/log/apm): "<syslog header> <proc>[pid]: <msgid>:<sev>: <sid>: <text>".
// A session's facts arrive on separate lines tied by the session id; the sessionizer joins them.

#include <unordered_set>

#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

// Finds "0149dddd:d: " after a space (syslog "...]: 0149...", RFC 5424 "- - 0149...") and returns
// the 8-digit message id; `rest` is left after it.
std::string_view FindMessageId(std::string_view line, std::string_view& rest) {
  size_t from = 0;
  while (true) {
    size_t at = Find(line, " 0149", from);
    if (at == std::string_view::npos) return {};
    std::string_view candidate = line.substr(at + 1);
    bool shaped = candidate.size() >= 12 && candidate[8] == ':' && candidate[10] == ':' &&
                  candidate[11] == ' ';
    for (size_t i = 0; shaped && i < 8; ++i) shaped = candidate[i] >= '0' && candidate[i] <= '9';
    if (shaped) {
      rest = candidate.substr(12);
      return candidate.substr(0, 8);
    }
    from = at + 1;
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

// "<module>: authentication with 'u' failed: reason" / "AD agent: Auth (logon attempt:0):
// authenticate with 'u' successful|failed" (AD, RADIUS, LDAP, Kerberos, local DB, OTP modules).
// Only these words decide: the message id differs between modules and releases.
LineOutcome AuthenticationResult(std::string_view text, Event& out) {
  auto with = After(text, "authenticate with '");
  if (!with) with = After(text, "authentication with '");
  if (!with) return LineOutcome::kIgnored;
  auto close = with->find('\'');
  if (close == std::string_view::npos) return LineOutcome::kUnparsed;
  out.user = NormaliseUser(with->substr(0, close));
  std::string_view verdict = Trim(with->substr(close + 1));
  if (verdict.starts_with("successful")) {
    out.kind = EventKind::kLoginSuccess;
    return LineOutcome::kEvent;
  }
  if (verdict.starts_with("failed")) {
    out.kind = EventKind::kLoginFailure;
    auto reason = After(verdict, ": ");
    out.reason = Trim(reason ? TokenUntil(*reason, ".,") : std::string_view("failed"));
    return LineOutcome::kEvent;
  }
  return LineOutcome::kUnparsed;
}

uint64_t NumberAfter(std::string_view text, std::string_view key) {
  auto value = After(text, key);
  if (!value) return 0;
  auto number = ParseInt(TokenUntil(Trim(*value), ", "));
  return number && *number > 0 ? static_cast<uint64_t>(*number) : 0;
}

// APM message ids known to say nothing about logins (policy-agent trace, session variables,
// resource assignment, configuration and DNS errors).
bool KnownIrrelevant(std::string_view id) {
  static constexpr std::string_view kIds[] = {
      "01490000", "01490004", "01490005", "01490006", "01490007", "01490008", "01490009",
      "01490113", "01490128", "01490142", "01490504", "01490514", "01490538"};
  for (std::string_view known : kIds) {
    if (known == id) return true;
  }
  return false;
}

class F5ApmParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) override {
    std::string_view rest;
    std::string_view id = FindMessageId(line, rest);
    if (id.empty()) return LineOutcome::kUnparsed;
    out.message_id = id;
    std::string_view header = line;
    if (!ConsumeHeaderUtc(header, time, out.time)) return LineOutcome::kUnparsed;
    // "<sid>: text"; since v13 the sid is "/Common/<profile>:Common:<8-hex>".
    auto sid_end = Find(rest, ": ");
    if (sid_end == std::string_view::npos) return LineOutcome::kIgnored;
    std::string_view sid = rest.substr(0, sid_end);
    if (auto colon = sid.rfind(':'); colon != std::string_view::npos) sid.remove_prefix(colon + 1);
    std::string_view text = rest.substr(sid_end + 2);
    if (sid.empty() || sid.find(' ') != std::string_view::npos) return LineOutcome::kIgnored;
    out.session_key = sid;
    out.session_id = sid;

    if (id == "01490500") {
      if (auto address = After(text, "client IP ")) {
        out.source = ParseAddress(TokenUntil(*address, " "));
        if (!out.source) return LineOutcome::kUnparsed;
        if (auto country = After(text, "CC=")) out.vendor_country = TokenUntil(*country, "/) ");
        out.kind = EventKind::kSessionInfo;
        return LineOutcome::kEvent;
      }
      // Some releases log AD results under this id too.
      LineOutcome result = AuthenticationResult(text, out);
      if (result == LineOutcome::kEvent && out.kind == EventKind::kLoginFailure) {
        failed_sessions_.emplace(sid);
      }
      return result;
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
      bool denied = verdict.starts_with("Logon_Deny") || verdict.starts_with("LogonDeny") ||
                    verdict.starts_with("Deny");
      // The deny that ends a session whose authentication failed is that failure's verdict,
      // not another attempt.
      bool echo = !failed_sessions_.empty() && failed_sessions_.erase(std::string(sid)) > 0;
      if (denied && echo) {
        out.kind = EventKind::kSessionInfo;
        return LineOutcome::kEvent;
      }
      out.kind = denied ? EventKind::kLoginFailure : EventKind::kSessionStart;
      if (denied) out.reason = "access policy: " + std::string(verdict);
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
    if (id == "01490506") {  // "Received User-Agent header: ..."
      if (auto agent = After(text, "User-Agent header: ")) out.client = Trim(*agent).substr(0, 120);
      out.kind = EventKind::kSessionInfo;
      return LineOutcome::kEvent;
    }
    if (id == "01490521") {  // "Session statistics - bytes in: N, bytes out: M"
      out.bytes_in = NumberAfter(text, "bytes in:");
      out.bytes_out = NumberAfter(text, "bytes out:");
      out.kind = EventKind::kSessionInfo;
      return LineOutcome::kEvent;
    }
    if (id == "01490501" || id == "01490520") {  // "Session deleted due to ..."
      if (!failed_sessions_.empty()) failed_sessions_.erase(std::string(sid));
      out.kind = EventKind::kSessionEnd;
      return LineOutcome::kEvent;
    }
    if (id == "01490511") {  // refused: the licence's maximum of concurrent users is reached
      out.kind = EventKind::kLoginFailure;
      out.reason = "maximum concurrent users";
      return LineOutcome::kEvent;
    }
    LineOutcome result = AuthenticationResult(text, out);
    if (result == LineOutcome::kIgnored) {
      return KnownIrrelevant(id) ? LineOutcome::kIgnored : LineOutcome::kUnparsed;
    }
    if (result == LineOutcome::kEvent && out.kind == EventKind::kLoginFailure) {
      // Bounded: sessions that never end must not grow it without limit.
      if (failed_sessions_.size() > kMaxFailedSessions) failed_sessions_.clear();
      failed_sessions_.emplace(sid);
    }
    return result;
  }

 private:
  static constexpr size_t kMaxFailedSessions = 100'000;
  // Sessions with a failed authentication and no access-policy result yet.
  std::unordered_set<std::string> failed_sessions_;
};

}  // namespace

std::unique_ptr<LineParser> MakeF5ApmParser() { return std::make_unique<F5ApmParser>(); }

}  // namespace netwarden::audit
