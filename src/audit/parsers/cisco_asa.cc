// Cisco ASA / FTD AnyConnect: "%ASA-<sev>-<id>: <text>" (FTD: "%FTD-"). The ASA logs no session id,
// so lines of one session are joined by group|user|public IP.

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

struct GroupUserIp {
  std::string_view group;
  std::string_view user;
  std::optional<IpAddress> ip;
  std::string_view rest;
};

// "Group <G> User <u> IP <a.b.c.d> ..." with or without the angle brackets.
std::optional<GroupUserIp> ParseGroupUserIp(std::string_view text) {
  GroupUserIp parsed;
  if (!ConsumePrefix(text, "Group ")) return std::nullopt;
  parsed.group = Field(text, " User ");
  if (!ConsumePrefix(text, " User ")) return std::nullopt;
  parsed.user = Field(text, " IP ");
  if (!ConsumePrefix(text, " IP ")) return std::nullopt;
  std::string_view address = Field(text, " ");
  parsed.ip = ParseAddress(address);
  if (!parsed.ip) return std::nullopt;
  parsed.rest = Trim(text);
  return parsed;
}

// "Group = G, Username = u, IP = a.b.c.d, ..."
std::optional<GroupUserIp> ParseGroupUserIpEquals(std::string_view text) {
  GroupUserIp parsed;
  if (!ConsumePrefix(text, "Group = ")) return std::nullopt;
  parsed.group = Field(text, ", Username = ");
  if (!ConsumePrefix(text, ", Username = ")) return std::nullopt;
  parsed.user = Field(text, ", IP = ");
  if (!ConsumePrefix(text, ", IP = ")) return std::nullopt;
  parsed.ip = ParseAddress(Field(text, ","));
  if (!parsed.ip) return std::nullopt;
  parsed.rest = text;
  return parsed;
}

std::string SessionKey(std::string_view group, const std::string& user, const IpAddress& ip) {
  std::string key(group);
  key += '|';
  key += user;
  key += '|';
  key += ip.ToString();
  return key;
}

LineOutcome FromGroupUserIp(const std::optional<GroupUserIp>& parsed, EventKind kind, Event& out) {
  if (!parsed) return LineOutcome::kUnparsed;
  out.kind = kind;
  out.user = NormaliseUser(parsed->user);
  out.source = parsed->ip;
  out.session_key = SessionKey(parsed->group, out.user, *parsed->ip);
  return LineOutcome::kEvent;
}

class CiscoAsaParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) override {
    auto tag = line.find("%ASA-");
    if (tag == std::string_view::npos) tag = line.find("%FTD-");
    if (tag == std::string_view::npos) return LineOutcome::kUnparsed;
    std::string_view message = line.substr(tag + 5);  // "6-113039: text"
    auto colon = message.find(": ");
    if (colon == std::string_view::npos || colon < 3) return LineOutcome::kUnparsed;
    std::string_view id = message.substr(2, colon - 2);
    std::string_view text = message.substr(colon + 2);
    std::string_view header = line;
    if (!ConsumeHeaderUtc(header, time, out.time)) return LineOutcome::kUnparsed;

    if (id == "113039" || id == "716001") {
      return FromGroupUserIp(ParseGroupUserIp(text), EventKind::kSessionStart, out);
    }
    if (id == "716002") {
      return FromGroupUserIp(ParseGroupUserIp(text), EventKind::kSessionEnd, out);
    }
    if (id == "113019") {
      return FromGroupUserIp(ParseGroupUserIpEquals(text), EventKind::kSessionEnd, out);
    }
    if (id == "722051") {
      auto parsed = ParseGroupUserIp(text);
      LineOutcome outcome = FromGroupUserIp(parsed, EventKind::kSessionInfo, out);
      if (outcome != LineOutcome::kEvent) return outcome;
      if (auto tunnel = After(parsed->rest, "IPv4 Address ")) {
        std::string_view value = *tunnel;
        out.tunnel = ParseAddress(Field(value, " "));
      }
      return LineOutcome::kEvent;
    }
    if (id == "113005" || id == "113004") {
      auto user_ip = After(text, "user IP = ");
      if (!user_ip) return id == "113005" ? LineOutcome::kUnparsed : LineOutcome::kIgnored;
      out.source = ParseAddress(TokenUntil(*user_ip, " :,"));
      if (!out.source) return LineOutcome::kUnparsed;
      if (auto user = After(text, ": user = ")) out.user = NormaliseUser(Before(*user, " : "));
      out.kind = id == "113005" ? EventKind::kLoginFailure : EventKind::kLoginSuccess;
      return LineOutcome::kEvent;
    }
    return LineOutcome::kIgnored;
  }
};

}  // namespace

std::unique_ptr<LineParser> MakeCiscoAsaParser() { return std::make_unique<CiscoAsaParser>(); }

}  // namespace netwarden::audit
