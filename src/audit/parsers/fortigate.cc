// FortiGate SSL VPN: space-separated key=value pairs, values quoted or not. The vpn event ids:
// 39424/39425 web mode up/down, 39947/39948 tunnel mode up/down, 39426 login failure.

#include <algorithm>

#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

struct Fields {
  std::string_view date, time, tz, eventtime, logid, action, user, remip, tunnelip, tunnelid,
      srccountry, tunneltype;
};

// Dispatch on length first: most keys of a FortiGate line are none of these, and this is the
// parser's hot loop.
void Assign(Fields& fields, std::string_view key, std::string_view value) {
  switch (key.size()) {
    case 2:
      if (key == "tz") fields.tz = value;
      break;
    case 4:
      if (key == "date")
        fields.date = value;
      else if (key == "time")
        fields.time = value;
      else if (key == "user")
        fields.user = value;
      break;
    case 5:
      if (key == "logid")
        fields.logid = value;
      else if (key == "remip")
        fields.remip = value;
      break;
    case 6:
      if (key == "action") fields.action = value;
      break;
    case 8:
      if (key == "tunnelip")
        fields.tunnelip = value;
      else if (key == "tunnelid")
        fields.tunnelid = value;
      break;
    case 9:
      if (key == "eventtime") fields.eventtime = value;
      break;
    case 10:
      if (key == "srccountry")
        fields.srccountry = value;
      else if (key == "tunneltype")
        fields.tunneltype = value;
      break;
    default:
      break;
  }
}

// Returns false when the text is not key=value shaped at all.
bool Split(std::string_view text, Fields& fields) {
  size_t pairs = 0;
  while (!text.empty()) {
    text = Trim(text);
    auto equals = text.find('=');
    if (equals == std::string_view::npos) break;
    std::string_view key = text.substr(0, equals);
    if (auto space = key.rfind(' '); space != std::string_view::npos) key.remove_prefix(space + 1);
    text.remove_prefix(equals + 1);
    std::string_view value;
    if (!text.empty() && text.front() == '"') {
      auto close = text.find('"', 1);
      if (close == std::string_view::npos) return false;
      value = text.substr(1, close - 1);
      text.remove_prefix(close + 1);
    } else {
      value = TokenUntil(text, " ");
      text.remove_prefix(value.size());
    }
    Assign(fields, key, value);
    ++pairs;
  }
  return pairs >= 3;
}

std::optional<int64_t> ResolveTime(const Fields& fields, TimeResolver& time) {
  if (auto epoch = ParseInt(fields.eventtime)) {
    // FortiOS 6.2+ logs nanoseconds; older releases seconds.
    int64_t value = *epoch;
    while (value > 100'000'000'000LL) value /= 1000;
    return value;
  }
  // "YYYY-MM-DD HH:MM:SS+HHMM" assembled without allocating.
  char stamp[40];
  if (fields.date.size() + fields.time.size() + fields.tz.size() + 1 > sizeof(stamp)) {
    return std::nullopt;
  }
  char* end = std::copy(fields.date.begin(), fields.date.end(), stamp);
  *end++ = ' ';
  end = std::copy(fields.time.begin(), fields.time.end(), end);
  end = std::copy(fields.tz.begin(), fields.tz.end(), end);
  std::string_view text(stamp, static_cast<size_t>(end - stamp));
  LoggedTime logged;
  if (!ConsumeIsoTime(text, logged)) return std::nullopt;
  return time.Resolve(logged);
}

class FortiGateParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) override {
    auto start = line.find("date=");
    if (start == std::string_view::npos || line.find("logid=") == std::string_view::npos) {
      return LineOutcome::kUnparsed;
    }
    Fields fields;
    if (!Split(line.substr(start), fields)) return LineOutcome::kUnparsed;
    auto when = ResolveTime(fields, time);
    if (!when) return LineOutcome::kUnparsed;
    out.time = *when;
    std::string_view id =
        fields.logid.size() >= 5 ? fields.logid.substr(fields.logid.size() - 5) : fields.logid;
    bool up = id == "39424" || id == "39947" || fields.action == "tunnel-up";
    bool down = id == "39425" || id == "39948" || fields.action == "tunnel-down";
    bool failed = id == "39426" || fields.action == "ssl-login-fail";
    if (!up && !down && !failed) return LineOutcome::kIgnored;
    out.user = NormaliseUser(fields.user);
    out.source = ParseAddress(fields.remip);
    out.tunnel = ParseAddress(fields.tunnelip);
    out.vendor_country = fields.srccountry == "Reserved" ? "" : std::string(fields.srccountry);
    out.client = fields.tunneltype;
    if (!fields.tunnelid.empty() && fields.tunnelid != "0") {
      out.session_key = fields.tunnelid;
      out.session_id = fields.tunnelid;
    }
    out.kind = failed ? EventKind::kLoginFailure
                      : (up ? EventKind::kSessionStart : EventKind::kSessionEnd);
    if (!out.source && !failed) return LineOutcome::kUnparsed;
    return LineOutcome::kEvent;
  }
};

}  // namespace

std::unique_ptr<LineParser> MakeFortiGateParser() { return std::make_unique<FortiGateParser>(); }

}  // namespace netwarden::audit
