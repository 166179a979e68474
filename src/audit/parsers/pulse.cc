// Pulse / Ivanti Connect Secure, in its two syslog formats:
//  standard: "... PulseSecure: - - - <local time> - <node> - [<ip>] <user>(<realm>)[<roles>] -
//            [<ID>: ]<message>"
//  WELF:     "... PulseSecure: id=firewall time="<local time>" pri=6 fw=<ip> vpn=<name>
//            [ivs=<vs>] user=<u> realm="<r>" roles="..." src=<ip> ... type=vpn|mgmt ...
//            msg="<ID>: <message>""
// Both carry the same message catalogue (docs/AUDIT.md); the session id is "(session:sid...)".
// Logins to an administrator realm (or ADM messages, WELF type=mgmt) are administrator logins.

#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

std::string_view SessionId(std::string_view message) {
  // From the colon: a search for "session:" would stop at every 's'.
  for (size_t colon = message.find(':'); colon != std::string_view::npos;
       colon = message.find(':', colon + 1)) {
    if (colon < 7 || message.substr(colon - 7, 7) != "session") continue;
    std::string_view rest = Trim(message.substr(colon + 1));
    return TokenUntil(rest, ") ,");
  }
  return {};
}

// "AUT24414: " -> "AUT24414" (three capitals, digits); the message loses the prefix.
std::string_view ConsumeMessageId(std::string_view& message) {
  size_t i = 0;
  while (i < message.size() && i < 3 && message[i] >= 'A' && message[i] <= 'Z') ++i;
  if (i != 3) return {};
  size_t digits = i;
  while (digits < message.size() && message[digits] >= '0' && message[digits] <= '9') ++digits;
  if (digits == i || digits + 1 >= message.size() || message[digits] != ':') return {};
  std::string_view id = message.substr(0, digits);
  message = Trim(message.substr(digits + 1));
  return id;
}

bool ContainsAdmin(std::string_view realm) {
  for (size_t i = 0; i + 5 <= realm.size(); ++i) {
    if ((realm[i] == 'A' || realm[i] == 'a') && (realm[i + 1] | 0x20) == 'd' &&
        (realm[i + 2] | 0x20) == 'm' && (realm[i + 3] | 0x20) == 'i' &&
        (realm[i + 4] | 0x20) == 'n') {
      return true;
    }
  }
  return false;
}

// A refusal because of the client's software version (minimum-version enforcement, unsupported
// or outdated agents): the user did not get in, so it is a failed login.
bool IsClientVersionRefusal(std::string_view message) {
  bool about_version = Find(message, "version") != std::string_view::npos;
  if (!about_version) return false;
  for (std::string_view refusal :
       {"not allowed", "not supported", "unsupported", "below", "lower than", "less than",
        "older than", "rejected", "denied", "refused", "not permitted"}) {
    if (message.find(refusal) != std::string_view::npos) return true;
  }
  return false;
}

struct Line {
  std::string_view user, realm, message, id, source;
  bool management = false;  // WELF type=mgmt
};

enum class Meaning : uint8_t { kNone, kStart, kEnd, kSuccess, kFailure, kIgnored };

Meaning Classify(std::string_view message, std::string& reason) {
  // The first letter filters before comparing: most lines are compared with a dozen phrases.
  auto starts = [&](std::string_view phrase) {
    return !message.empty() && message.front() == phrase.front() && message.starts_with(phrase);
  };
  if (starts("Agent login succeeded") || starts("Login succeeded") ||
      starts("VPN Tunneling: Session started")) {
    return Meaning::kStart;
  }
  if (starts("VPN Tunneling: Session ended") || starts("Logout from") ||
      starts("Session timed out") || starts("Max session timeout") || starts("Session ended for") ||
      starts("Forced logout") || starts("Closed connection to")) {
    return Meaning::kEnd;
  }
  if (starts("Primary authentication successful") || starts("Session created for user")) {
    return Meaning::kSuccess;
  }
  if (starts("Primary authentication failed") || starts("Secondary authentication failed") ||
      starts("Login failed") || starts("Sign-in rejected") || starts("Authentication failed")) {
    auto said = After(message, "Reason: ");
    reason = said ? Trim(TokenUntil(*said, "\"")) : std::string_view("password");
    if (starts("Secondary")) reason = "secondary authentication";
    return Meaning::kFailure;
  }
  if (IsClientVersionRefusal(message)) {
    reason = "client version";
    return Meaning::kFailure;
  }
  if (starts("Secondary authentication successful") || starts("Host Checker") ||
      starts("VPN Tunneling:") || starts("Key Exchange") || starts("Remote address for user") ||
      starts("User Limit realm restrictions") || starts("Realm restrictions successfully passed") ||
      starts("Connection from IP")) {
    return Meaning::kIgnored;
  }
  return Meaning::kNone;
}

// The standard format after "PulseSecure: ": "- - - <time> - <node> - [ip] user(realm)[roles] -
// message".
bool SplitStandard(std::string_view body, std::string_view& stamp, Line& parsed) {
  ConsumePrefix(body, "- - - ");
  stamp = body;
  auto bracket = FindAfterSpace(body, "- [");
  if (bracket == std::string_view::npos) return false;
  std::string_view rest = body.substr(bracket + 4);
  parsed.source = Before(rest, "]");
  auto close = Find(rest, "] ");
  if (close == std::string_view::npos) return false;
  rest.remove_prefix(close + 2);
  auto dash = FindAfterSpace(rest, "- ");
  if (dash == std::string_view::npos) return false;
  std::string_view who = rest.substr(0, dash);
  parsed.message = rest.substr(dash + 3);
  if (auto realm_separator = who.rfind("::"); realm_separator != std::string_view::npos) {
    who.remove_prefix(realm_separator + 2);
  }
  parsed.user = Before(who, "(");
  if (auto open = who.find('('); open != std::string_view::npos) {
    parsed.realm = Before(who.substr(open + 1), ")");
  }
  return true;
}

// WELF: key=value pairs; msg= holds the message.
bool SplitWelf(std::string_view body, std::string_view& stamp, Line& parsed) {
  std::string_view key, value;
  size_t pairs = 0;
  while (NextKeyValue(body, key, value)) {
    ++pairs;
    if (key == "time") {
      stamp = value;
    } else if (key == "user") {
      parsed.user = value;
    } else if (key == "realm") {
      parsed.realm = value;
    } else if (key == "src") {
      parsed.source = value;
    } else if (key == "msg") {
      parsed.message = value;
    } else if (key == "type") {
      parsed.management = value == "mgmt";
    }
  }
  return pairs >= 3 && !parsed.message.empty();
}

class PulseParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) override {
    auto tag = Find(line, "PulseSecure: ");
    size_t tag_length = 13;
    if (tag == std::string_view::npos) {
      tag = Find(line, "IvantiConnectSecure: ");
      tag_length = 21;
    }
    if (tag == std::string_view::npos) return LineOutcome::kUnparsed;
    std::string_view body = line.substr(tag + tag_length);
    std::string_view stamp;
    Line parsed;
    bool welf = body.starts_with("id=");
    if (!(welf ? SplitWelf(body, stamp, parsed) : SplitStandard(body, stamp, parsed))) {
      if (!ResolveTime(line, stamp, time, out.time)) return LineOutcome::kUnparsed;
      return LineOutcome::kIgnored;
    }
    if (!ResolveTime(line, stamp, time, out.time)) return LineOutcome::kUnparsed;
    std::string_view message = parsed.message;
    parsed.id = ConsumeMessageId(message);
    out.message_id = parsed.id;
    out.source = ParseAddress(parsed.source);
    out.user = NormaliseUser(parsed.user);
    if (out.user == "system") return LineOutcome::kIgnored;

    std::string reason;
    Meaning meaning = Classify(message, reason);
    if (meaning == Meaning::kIgnored) return LineOutcome::kIgnored;
    if (meaning == Meaning::kNone) {
      // An id says it is Pulse's: unknown login-area ids (AUT, NWC, ADM) show as parser gaps.
      bool login_area = parsed.id.starts_with("AUT") || parsed.id.starts_with("NWC") ||
                        parsed.id.starts_with("ADM");
      return login_area ? LineOutcome::kUnparsed : LineOutcome::kIgnored;
    }
    bool admin = ContainsAdmin(parsed.realm) || parsed.id.starts_with("ADM") || parsed.management;
    if (admin) {
      if (meaning == Meaning::kEnd) return LineOutcome::kIgnored;
      out.kind = meaning == Meaning::kFailure ? EventKind::kAdminLoginFailure
                                              : EventKind::kAdminLoginSuccess;
      return LineOutcome::kEvent;
    }
    out.session_id = SessionId(message);
    out.session_key = out.session_id;
    switch (meaning) {
      case Meaning::kStart:
        out.kind = EventKind::kSessionStart;
        if (size_t with = FindAfterSpace(message, "with "); with != std::string_view::npos) {
          if (!message.starts_with("VPN")) {
            out.client = Trim(Before(message.substr(with + 6), " Pulse/"));
          }
        }
        if (auto tunnel = After(message, "IPv4 address ")) {
          out.tunnel = ParseAddress(TokenUntil(*tunnel, ", "));
        }
        break;
      case Meaning::kEnd:
        out.kind = EventKind::kSessionEnd;
        break;
      case Meaning::kSuccess:
        out.kind = EventKind::kLoginSuccess;
        out.session_key.clear();
        break;
      case Meaning::kFailure:
        // "Login failed. Reason: ..." and "Primary authentication failed ..." are one attempt.
        if (IsEcho(out, message.starts_with("Login failed"))) return LineOutcome::kIgnored;
        out.kind = EventKind::kLoginFailure;
        out.reason = std::move(reason);
        out.session_key.clear();
        break;
      case Meaning::kNone:
      case Meaning::kIgnored:
        return LineOutcome::kIgnored;
    }
    if (out.user.empty() && out.kind != EventKind::kSessionEnd) return LineOutcome::kIgnored;
    return LineOutcome::kEvent;
  }

 private:
  // Prefer the header when it states its offset (RFC 5424); else the appliance's local time.
  static bool ResolveTime(std::string_view line, std::string_view stamp, TimeResolver& time,
                          int64_t& out) {
    std::string_view header = line;
    LoggedTime logged;
    bool header_time = ConsumeHeaderTime(header, logged);
    LoggedTime body_time;
    if (header_time && logged.utc_offset_seconds) {
      out = time.Resolve(logged);
    } else if (ConsumeIsoTime(stamp, body_time)) {
      out = time.Resolve(body_time);
    } else if (header_time) {
      out = time.Resolve(logged);
    } else {
      return false;
    }
    return true;
  }

  // One refused password is logged twice, once as "Login failed" and once by the auth server's
  // check; repeated tries of the same kind are separate attempts.
  bool IsEcho(const Event& event, bool login_failed_form) {
    constexpr int64_t kEchoSeconds = 5;
    int form = login_failed_form ? 1 : 2;
    bool echo = last_failure_form_ != 0 && last_failure_form_ != form &&
                event.user == last_failure_user_ && event.source == last_failure_source_ &&
                event.time - last_failure_time_ <= kEchoSeconds;
    last_failure_form_ = echo ? 0 : form;
    last_failure_user_ = event.user;
    last_failure_source_ = event.source;
    last_failure_time_ = event.time;
    return echo;
  }

  int last_failure_form_ = 0;  // 0: none pending, 1: "Login failed", 2: another form
  std::string last_failure_user_;
  std::optional<IpAddress> last_failure_source_;
  int64_t last_failure_time_ = 0;
};

}  // namespace

std::unique_ptr<LineParser> MakePulseParser() { return std::make_unique<PulseParser>(); }

}  // namespace netwarden::audit
