// OpenVPN server log (--log / syslog). Lines of one client carry "<ip>:<port>" or
// "<cn>/<ip>:<port>", which is the session key: the real address and port of the client.

#include <array>

#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

// " us=123456": the microseconds OpenVPN adds to its own timestamps at higher verbosity.
void SkipMicroseconds(std::string_view& line) {
  std::string_view rest = line;
  if (!ConsumePrefix(rest, " us=")) return;
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  if (digits == 0) return;
  line = rest.substr(digits);
}

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
    SkipMicroseconds(line);
    return true;
  }
  if (!ConsumeHeaderUtc(line, time, out)) return false;
  SkipMicroseconds(line);
  return true;
}

// RFC 5424 ("<PRI>1 TIME HOST APP PROCID MSGID SD MSG"): skips HOST .. SD; false when APP is
// not OpenVPN.
bool ConsumeRfc5424Fields(std::string_view& message) {
  std::string_view rest = Trim(message);
  std::string_view app;
  for (int field = 0; field < 4; ++field) {
    auto space = rest.find(' ');
    if (space == std::string_view::npos) return false;
    if (field == 1) app = rest.substr(0, space);
    rest.remove_prefix(space + 1);
  }
  if (rest.starts_with("- ")) {
    rest.remove_prefix(2);
  } else if (rest.starts_with('[')) {
    auto close = Find(rest, "] ");
    if (close == std::string_view::npos) return false;
    rest.remove_prefix(close + 2);
  }
  if (Find(app, "openvpn") == std::string_view::npos &&
      Find(app, "ovpn") == std::string_view::npos) {
    return false;
  }
  message = rest;
  return true;
}

// Skips "host openvpn[pid]: " after a syslog header; false when another program wrote the line.
bool ConsumeSyslogProgram(std::string_view& message) {
  std::string_view probe = Trim(message);
  auto host_end = probe.find(' ');
  if (host_end == std::string_view::npos) return true;
  std::string_view program = probe.substr(host_end + 1);
  auto colon = Find(program, ": ");
  if (colon == std::string_view::npos) return true;
  std::string_view tag = program.substr(0, colon);
  if (tag.find(' ') != std::string_view::npos || tag.empty() || tag.back() != ']') return true;
  if (Find(tag, "openvpn") == std::string_view::npos &&
      Find(tag, "ovpn") == std::string_view::npos) {
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

// Authentication failures reported by a plugin or script rather than OpenVPN's own check.
bool IsPluginFailure(std::string_view message) {
  if (Find(message, "PLUGIN_AUTH_USER_PASS_VERIFY") != std::string_view::npos) {
    return Find(message, "failed with status") != std::string_view::npos ||
           Find(message, " status=1") != std::string_view::npos;
  }
  return Find(message, "client-reason") != std::string_view::npos &&
         Find(message, "AUTH") != std::string_view::npos;
}

// Messages of LDAP / PAM authentication plugins, logged without the client's address: the user
// whose password was refused. "Incorrect password supplied for LDAP DN \"uid=u,ou=...\"",
// "pam_unix(openvpn:auth): authentication failure; ... user=u".
std::string_view PluginRefusedUser(std::string_view message) {
  if (auto dn = After(message, "Incorrect password supplied for LDAP DN \"")) {
    std::string_view value = Before(*dn, "\"");
    auto equals = value.find('=');
    if (equals == std::string_view::npos) return value;
    return TokenUntil(value.substr(equals + 1), ",");
  }
  if (Find(message, "authentication failure;") != std::string_view::npos) {
    if (auto user = After(message, " user=")) return TokenUntil(*user, " ");
  }
  if (auto user = After(message, "LDAP bind failed for user ")) return TokenUntil(*user, " :,");
  return {};
}

// One failed login often leaves several lines (plugin result, "TLS Auth Error", AUTH_FAILED):
// the first counts, the others within this many seconds on the same client are its echo.
constexpr int64_t kEchoSeconds = 10;

class OpenVpnLogParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) override {
    std::string_view message = line;
    if (!ConsumeOpenVpnTime(message, time, out.time)) return LineOutcome::kUnparsed;
    bool rfc5424 = line.starts_with('<') && Find(line, ">1 ") != std::string_view::npos &&
                   Find(line, ">1 ") < 5;
    if (rfc5424 ? !ConsumeRfc5424Fields(message) : !ConsumeSyslogProgram(message)) {
      return LineOutcome::kUnparsed;
    }
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
      std::string_view refused = PluginRefusedUser(message);
      if (!refused.empty()) {
        // Attached to the client's failure line that follows.
        refused_user_ = NormaliseUser(refused);
        refused_time_ = out.time;
        return LineOutcome::kIgnored;
      }
      for (std::string_view known : kKnownMessages) {
        if (message.starts_with(known)) return LineOutcome::kIgnored;
      }
      return LineOutcome::kUnparsed;
    }
    if (auto peer = After(message, "Peer Connection Initiated with ")) {
      if (message.front() == '[') common_name = Before(message.substr(1), "]");
      out.user = NormaliseUser(common_name);
      out.kind = EventKind::kSessionStart;
      out.opens_session = true;
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
    if (auto user = After(message, "authentication deferred for username '")) {
      out.user = NormaliseUser(Before(*user, "'"));
      out.kind = EventKind::kSessionInfo;
      return LineOutcome::kEvent;
    }
    if (Find(message, "Auth Username/Password verification failed") != std::string_view::npos ||
        Find(message, "AUTH_FAILED") != std::string_view::npos || IsPluginFailure(message) ||
        message.starts_with("VERIFY ERROR")) {
      if (out.session_key == failed_key_ && out.time - failed_time_ <= kEchoSeconds) {
        return LineOutcome::kIgnored;
      }
      failed_key_ = out.session_key;
      failed_time_ = out.time;
      if (auto user = After(message, "username '")) out.user = NormaliseUser(Before(*user, "'"));
      if (auto subject = After(message, "CN="))
        out.user = NormaliseUser(TokenUntil(*subject, ", "));
      if (out.user.empty() && !refused_user_.empty() && out.time - refused_time_ <= kEchoSeconds) {
        out.user = std::move(refused_user_);
      }
      refused_user_.clear();
      out.reason = message.starts_with("VERIFY ERROR") ? "certificate"
                   : IsPluginFailure(message)          ? "plugin"
                                                       : "password";
      out.kind = EventKind::kLoginFailure;
      return LineOutcome::kEvent;
    }
    if (Find(message, "client-instance exiting") != std::string_view::npos ||
        Find(message, "client-instance restarting") != std::string_view::npos) {
      out.kind = EventKind::kSessionEnd;
      return LineOutcome::kEvent;
    }
    return LineOutcome::kIgnored;
  }

 private:
  std::string failed_key_;
  int64_t failed_time_ = 0;
  std::string refused_user_;
  int64_t refused_time_ = 0;
};

}  // namespace

std::unique_ptr<LineParser> MakeOpenVpnLogParser() { return std::make_unique<OpenVpnLogParser>(); }

}  // namespace netwarden::audit
