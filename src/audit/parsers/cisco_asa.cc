// Cisco ASA / FTD remote-access VPN: "%ASA-[class-]<sev>-<id>: <text>" (FTD: "%FTD-"). The
// message catalogue handled is listed in docs/AUDIT.md. The ASA logs no session id, so the lines
// of one session are joined by user|public IP, as its own session database does.

#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

// A value that is either "<anything, even spaces>" or runs up to `terminator`.
std::string_view Field(std::string_view& text, std::string_view terminator) {
  if (!text.empty() && text.front() == '<') {
    auto close = text.find('>');
    if (close != std::string_view::npos) {
      std::string_view value = text.substr(1, close - 1);
      text.remove_prefix(close + 1);
      return value;
    }
  }
  auto end = text.find(terminator);
  std::string_view value = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view() : text.substr(end);
  return value;
}

struct UserIp {
  std::string_view user;
  std::string_view ip_text;
  std::optional<IpAddress> ip;
  std::string_view rest;
};

// "Group <G> User <u> IP <a.b.c.d> ..." with or without the angle brackets.
std::optional<UserIp> ParseGroupUserIp(std::string_view text) {
  UserIp parsed;
  if (!ConsumePrefix(text, "Group ")) return std::nullopt;
  Field(text, " User ");
  if (!ConsumePrefix(text, " User ")) return std::nullopt;
  parsed.user = Field(text, " IP ");
  if (!ConsumePrefix(text, " IP ")) return std::nullopt;
  parsed.ip_text = Field(text, " ");
  parsed.ip = ParseAddress(parsed.ip_text);
  if (!parsed.ip) return std::nullopt;
  parsed.rest = Trim(text);
  return parsed;
}

// "[Group = G, ]Username = u, IP = a.b.c.d, ..."
std::optional<UserIp> ParseGroupUserIpEquals(std::string_view text) {
  UserIp parsed;
  if (ConsumePrefix(text, "Group = ")) {
    Field(text, ", Username = ");
    if (!ConsumePrefix(text, ", ")) return std::nullopt;
  }
  if (!ConsumePrefix(text, "Username = ")) return std::nullopt;
  parsed.user = Field(text, ", IP = ");
  if (!ConsumePrefix(text, ", IP = ")) return std::nullopt;
  parsed.ip_text = Field(text, ",");
  parsed.ip = ParseAddress(parsed.ip_text);
  if (!parsed.ip) return std::nullopt;
  ConsumePrefix(text, ",");
  parsed.rest = Trim(text);
  return parsed;
}

// "DAP: User u, Addr a.b.c.d, Connection c: ..."
std::optional<UserIp> ParseDapUserAddr(std::string_view text) {
  UserIp parsed;
  if (!ConsumePrefix(text, "DAP: User ")) return std::nullopt;
  parsed.user = Field(text, ", Addr ");
  if (!ConsumePrefix(text, ", Addr ")) return std::nullopt;
  parsed.ip_text = Field(text, ",");
  parsed.ip = ParseAddress(parsed.ip_text);
  if (!parsed.ip) return std::nullopt;
  parsed.rest = text;
  return parsed;
}

LineOutcome FromUserIp(const std::optional<UserIp>& parsed, EventKind kind, Event& out) {
  if (!parsed) return LineOutcome::kUnparsed;
  out.kind = kind;
  out.user = NormaliseUser(parsed->user);
  out.source = parsed->ip;
  std::string_view ip = parsed->ip_text;
  if (ip.size() >= 2 && ip.front() == '<') ip = ip.substr(1, ip.size() - 2);
  out.session_key.reserve(out.user.size() + 1 + ip.size());
  out.session_key.append(out.user).append(1, '|').append(ip);
  return LineOutcome::kEvent;
}

// The AAA messages' "... : user = u : user IP = a.b.c.d" (also "user = u: user IP = ..."); the
// name may hold spaces, so it runs to the next field separator.
std::string_view AaaField(std::string_view text, std::string_view key) {
  auto at = text.find(key);
  if (at == std::string_view::npos) return {};
  std::string_view value = text.substr(at + key.size());
  size_t end = Find(value, " : ");
  size_t before_ip = Find(value, ": user IP = ");
  if (before_ip < end) end = before_ip;
  return Trim(value.substr(0, end));
}

// "0h:49m:49s" or "1d 2h:03m:04s" -> seconds.
int64_t ParseDuration(std::string_view text) {
  int64_t total = 0;
  int64_t number = 0;
  bool digits = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      number = number * 10 + (c - '0');
      digits = true;
      continue;
    }
    if (!digits) {
      if (c == ' ' || c == ':') continue;
      break;
    }
    if (c == 'd') total += number * 86400;
    if (c == 'h') total += number * 3600;
    if (c == 'm') total += number * 60;
    if (c == 's') total += number;
    if (c != 'd' && c != 'h' && c != 'm' && c != 's') break;
    number = 0;
    digits = false;
    if (c == 's') break;
  }
  return total;
}

uint64_t NumberAfter(std::string_view text, std::string_view key) {
  auto value = After(text, key);
  if (!value) return 0;
  auto number = ParseInt(TokenUntil(*value, ", "));
  return number && *number > 0 ? static_cast<uint64_t>(*number) : 0;
}

// The message id classes whose unknown members are worth showing as parser gaps: AAA (109, 113),
// VPN client (611), WebVPN (716), SVC/AnyConnect (722), DAP (734). IKE (713, 751, 752) is left
// out on purpose: hundreds of negotiation messages, none a login.
bool VpnClass(int id) {
  int family = id / 1000;
  return family == 109 || family == 113 || family == 611 || family == 716 || family == 722 ||
         family == 734;
}

// Position of a "dd:dd:dd" clock in `text`, npos when none: tells a device timestamp behind a
// relay's header.
size_t FindClock(std::string_view text) {
  for (size_t i = 2; i + 5 < text.size(); ++i) {
    if (text[i] == ':' && text[i + 3] == ':' && text[i - 1] >= '0' && text[i - 1] <= '9' &&
        text[i + 1] >= '0' && text[i + 1] <= '9') {
      return i - 2;
    }
  }
  return std::string_view::npos;
}

// A timestamp whose clock is in `prefix` (the device's own, behind a relay's header or alone).
bool DeviceTime(std::string_view prefix, LoggedTime& out) {
  size_t clock = FindClock(prefix);
  if (clock == std::string_view::npos) return false;
  for (size_t from = 0; from <= clock; ++from) {
    if (from > 0 && prefix[from - 1] != ' ') continue;
    std::string_view candidate = prefix.substr(from);
    if (ConsumeHeaderTime(candidate, out)) return true;
  }
  return false;
}

// The line's time: the device's own timestamp (with its zone) when a relay put its header in
// front, else the header's.
bool ResolveTime(std::string_view line, size_t tag, TimeResolver& time, int64_t& out) {
  std::string_view header = line;
  LoggedTime logged;
  if (ConsumeHeaderTime(header, logged)) {
    size_t header_end = static_cast<size_t>(header.data() - line.data());
    LoggedTime device;
    if (header_end < tag && DeviceTime(line.substr(header_end, tag - header_end), device)) {
      logged = device;
    }
  } else if (!DeviceTime(line.substr(0, tag), logged)) {
    return false;
  }
  out = time.Resolve(logged);
  return true;
}

class CiscoAsaParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) override {
    auto tag = Find(line, "%ASA-");
    if (tag == std::string_view::npos) tag = Find(line, "%FTD-");
    if (tag == std::string_view::npos) return LineOutcome::kUnparsed;
    // "%ASA-6-113039: ", "%ASA-auth-4-113005: " (message class tag), "%FTD-6-113039: ".
    std::string_view message = line.substr(tag + 5);
    size_t letters = 0;
    while (letters < message.size() && message[letters] >= 'a' && message[letters] <= 'z') {
      ++letters;
    }
    if (letters > 0 && letters < message.size() && message[letters] == '-') {
      message.remove_prefix(letters + 1);
    }
    if (message.size() < 4 || message[0] < '0' || message[0] > '7' || message[1] != '-') {
      return LineOutcome::kUnparsed;
    }
    auto colon = message.find(':');
    if (colon == std::string_view::npos || colon < 3) return LineOutcome::kUnparsed;
    std::string_view id_text = message.substr(2, colon - 2);
    auto id_number = ParseInt(id_text);
    if (!id_number) return LineOutcome::kUnparsed;
    int id = static_cast<int>(*id_number);
    out.message_id = id_text;
    std::string_view text = Trim(message.substr(colon + 1));
    if (!ResolveTime(line, tag, time, out.time)) return LineOutcome::kUnparsed;

    switch (id) {
      // Session starts: AnyConnect parent session, WebVPN session, SVC (tunnel) connection.
      case 113039:
      case 716001:
        out.opens_session = true;
        return FromUserIp(ParseGroupUserIp(text), EventKind::kSessionStart, out);
      case 722022:
      case 722033:
      case 722034:
        return FromUserIp(ParseGroupUserIp(text), EventKind::kSessionStart, out);
      case 716002:
        return FromUserIp(ParseGroupUserIp(text), EventKind::kSessionEnd, out);
      case 113019: {
        auto parsed = ParseGroupUserIpEquals(text);
        LineOutcome outcome = FromUserIp(parsed, EventKind::kSessionEnd, out);
        if (outcome != LineOutcome::kEvent) return outcome;
        if (auto duration = After(parsed->rest, "Duration: ")) {
          out.duration = ParseDuration(TokenUntil(*duration, ","));
        }
        out.bytes_out = NumberAfter(parsed->rest, "Bytes xmt: ");
        out.bytes_in = NumberAfter(parsed->rest, "Bytes rcv: ");
        return LineOutcome::kEvent;
      }
      case 722051: {
        auto parsed = ParseGroupUserIp(text);
        LineOutcome outcome = FromUserIp(parsed, EventKind::kSessionInfo, out);
        if (outcome != LineOutcome::kEvent) return outcome;
        if (auto tunnel = After(parsed->rest, "IPv4 Address ")) {
          std::string_view value = *tunnel;
          out.tunnel = ParseAddress(Field(value, " "));
        }
        return LineOutcome::kEvent;
      }
      case 722055: {
        auto parsed = ParseGroupUserIp(text);
        LineOutcome outcome = FromUserIp(parsed, EventKind::kSessionInfo, out);
        if (outcome != LineOutcome::kEvent) return outcome;
        if (auto client = After(parsed->rest, "Client Type: ")) out.client = Trim(*client);
        return LineOutcome::kEvent;
      }
      // Details of a live session; they join it but start or end nothing.
      case 722023:
      case 722037:
      case 716058:
      case 716059:
        return FromUserIp(ParseGroupUserIp(text), EventKind::kSessionInfo, out);
      case 734001:
        return FromUserIp(ParseDapUserAddr(text), EventKind::kSessionInfo, out);
      case 713228: {
        auto parsed = ParseGroupUserIpEquals(text);
        if (!parsed) return LineOutcome::kIgnored;
        FromUserIp(parsed, EventKind::kSessionInfo, out);
        if (auto tunnel = After(parsed->rest, "Assigned private IP address ")) {
          out.tunnel = ParseAddress(TokenUntil(*tunnel, " "));
        }
        return LineOutcome::kEvent;
      }
      // WebVPN / clientless authentication results.
      case 716038:
      case 716039: {
        auto parsed = ParseGroupUserIp(text);
        LineOutcome outcome = FromUserIp(
            parsed, id == 716038 ? EventKind::kLoginSuccess : EventKind::kLoginFailure, out);
        if (outcome == LineOutcome::kEvent && id == 716039) out.reason = "WebVPN rejected";
        return outcome;
      }
      // Refusals after authentication: the user did not get a session.
      case 113029:
      case 113030:
      case 113033:
      case 113038: {
        auto parsed = ParseGroupUserIp(text);
        LineOutcome outcome = FromUserIp(parsed, EventKind::kLoginFailure, out);
        if (outcome == LineOutcome::kEvent) out.reason = parsed->rest;
        return outcome;
      }
      // AAA results: server (113004/113005) and local database (113012/113015).
      case 113004:
      case 113005:
      case 113012:
      case 113015: {
        bool success = id == 113004 || id == 113012;
        std::string_view address = AaaField(text, "user IP = ");
        out.source = ParseAddress(TokenUntil(address, " :,"));
        // Without the client's address a success may as well be an administrator's console
        // login: only failures are kept then (they still count against the user).
        if (!out.source && success) return LineOutcome::kIgnored;
        if (!out.source && !address.empty()) return LineOutcome::kUnparsed;
        if (Find(text, "user = ") == std::string_view::npos) return LineOutcome::kUnparsed;
        out.user = NormaliseUser(AaaField(text, "user = "));
        out.kind = success ? EventKind::kLoginSuccess : EventKind::kLoginFailure;
        if (success) {
          // Joined to the session that follows (user|IP), so the session stands for it.
          std::string_view ip = TokenUntil(address, " :,");
          out.session_key.append(out.user).append(1, '|').append(ip);
        } else {
          out.reason = AaaField(text, "reason = ");
          if (id == 113015 && out.reason.empty()) out.reason = "local database";
        }
        return LineOutcome::kEvent;
      }
      case 113006: {  // "User 'u' locked out on exceeding 'n' successive failed ... attempts"
        auto user = After(text, "User ");
        if (!user) return LineOutcome::kUnparsed;
        std::string_view name = Before(*user, " locked out");
        out.user = NormaliseUser(name);
        out.kind = EventKind::kLoginFailure;
        out.reason = "locked out";
        return LineOutcome::kEvent;
      }
      case 113013: {  // "AAA unable to complete the request Error : reason = r : user = u"
        if (Find(text, "user = ") == std::string_view::npos) return LineOutcome::kUnparsed;
        out.user = NormaliseUser(AaaField(text, "user = "));
        out.kind = EventKind::kLoginFailure;
        out.reason = AaaField(text, "reason = ");
        return LineOutcome::kEvent;
      }
      // Management access (SSH, ASDM, console): administrators, never VPN logins.
      case 605004:
      case 611102:
      case 113021:
        out.kind = EventKind::kAdminLoginFailure;
        return LineOutcome::kEvent;
      case 605005:
      case 611101:
        out.kind = EventKind::kAdminLoginSuccess;
        return LineOutcome::kEvent;
      // Documented and irrelevant to logins: AAA bookkeeping, server reachability, SVC data
      // channel housekeeping, group locks without user or address.
      case 113003:
      case 113008:
      case 113009:
      case 113010:
      case 113011:
      case 113014:
      case 113022:
      case 113023:
      case 113040:
      case 611103:
      case 716003:
      case 716004:
      case 716005:
      case 716006:
      case 716007:
      case 716009:
      case 722012:
      case 722028:
      case 722030:
      case 722031:
      case 722032:
      case 722035:
      case 722036:
      case 722041:
      case 722053:
      case 734003:
        return LineOutcome::kIgnored;
      default:
        return VpnClass(id) ? LineOutcome::kUnparsed : LineOutcome::kIgnored;
    }
  }
};

}  // namespace

std::unique_ptr<LineParser> MakeCiscoAsaParser() { return std::make_unique<CiscoAsaParser>(); }

}  // namespace netwarden::audit
