// ocserv (OpenConnect server) via syslog. The main process logs a session as
// "main[user]:ip:port user logged in" ... "main[user]:ip:port user disconnected (reason: ..., rx:
// N, tx: N)"; the client's address and port are the session key (two sessions of one user behind
// one NAT differ in the port, so they are never merged). Workers log without the port:
// "worker[user]: ip worker-auth.c:N: failed authentication for 'user'", "worker[user]: ip sending
// IPv4 a.b.c.d" (joined to the login just before it when that is the same user and address);
// sec-mod logs "sec-mod: failed authentication for 'user' (session: ...)" without an address.

#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

uint64_t NumberAfter(std::string_view text, std::string_view key) {
  auto value = After(text, key);
  if (!value) return 0;
  auto number = ParseInt(TokenUntil(*value, ",) "));
  return number && *number > 0 ? static_cast<uint64_t>(*number) : 0;
}

// "... failed authentication for 'user'" wherever it is logged.
LineOutcome Failure(std::string_view message, Event& out) {
  auto failed = After(message, "failed authentication for '");
  if (!failed) return LineOutcome::kIgnored;
  std::string user = NormaliseUser(Before(*failed, "'"));
  if (!user.empty()) out.user = std::move(user);
  out.session_key.clear();
  out.kind = EventKind::kLoginFailure;
  out.reason = "password";
  return LineOutcome::kEvent;
}

class OcservParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) override {
    auto tag = Find(line, "ocserv[");
    if (tag == std::string_view::npos) tag = Find(line, "ocserv: ");
    bool rfc5424 = false;
    if (tag == std::string_view::npos) {
      tag = Find(line, " ocserv ");  // RFC 5424: "HOST ocserv PROCID MSGID SD MSG"
      rfc5424 = tag != std::string_view::npos;
    }
    if (tag == std::string_view::npos) return LineOutcome::kUnparsed;
    std::string_view header = line;
    if (!ConsumeHeaderUtc(header, time, out.time)) return LineOutcome::kUnparsed;
    std::string_view message;
    if (rfc5424) {
      message = line.substr(tag + 8);
      for (int field = 0; field < 3; ++field) {
        auto space = message.find(' ');
        if (space == std::string_view::npos) return LineOutcome::kIgnored;
        message.remove_prefix(space + 1);
      }
    } else {
      auto body = After(line.substr(tag), ": ");
      if (!body) return LineOutcome::kIgnored;
      message = *body;
    }
    if (ConsumePrefix(message, "sec-mod: ")) {
      out.message_id = "sec-mod";
      return Failure(message, out);
    }
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
    if (!out.source) return main ? LineOutcome::kIgnored : Failure(message, out);
    message.remove_prefix(address.size());
    message = Trim(message);
    if (!main) {
      // Worker lines carry no port; their failures stand alone.
      if (auto sending = After(message, "sending IPv4 ")) {
        // The worker logs this right after its session's login: attached only when the latest
        // login is that user from that address (else the detail is dropped, never misplaced).
        std::string_view latest = latest_login_;
        if (latest.size() <= out.user.size() + 1 + address.size() ||
            !latest.starts_with(out.user) || latest[out.user.size()] != '|' ||
            latest.substr(out.user.size() + 1, address.size()) != address ||
            latest[out.user.size() + 1 + address.size()] != ':') {
          return LineOutcome::kIgnored;
        }
        out.session_key = latest_login_;
        out.tunnel = ParseAddress(TokenUntil(*sending, " "));
        out.kind = EventKind::kSessionInfo;
        return LineOutcome::kEvent;
      }
      return Failure(message, out);
    }
    // user|ip:port: the address text is what the line carries, so no formatting is needed.
    out.session_key.reserve(out.user.size() + 1 + address.size());
    out.session_key.append(out.user).append(1, '|').append(address);
    if (message.starts_with("user logged in")) {
      out.kind = EventKind::kSessionStart;
      out.opens_session = true;
      latest_login_ = out.session_key;
    } else if (message.starts_with("user disconnected")) {
      out.kind = EventKind::kSessionEnd;
      out.bytes_in = NumberAfter(message, "rx: ");
      out.bytes_out = NumberAfter(message, "tx: ");
      if (latest_login_ == out.session_key) latest_login_.clear();
    } else {
      return Failure(message, out);
    }
    return LineOutcome::kEvent;
  }

 private:
  std::string latest_login_;  // user|ip:port of the latest login, until it ends
};

}  // namespace

std::unique_ptr<LineParser> MakeOcservParser() { return std::make_unique<OcservParser>(); }

}  // namespace netwarden::audit
