// FortiGate VPN events: space-separated key=value pairs, values quoted or not, behind any syslog
// header; also FortiGate's CEF form ("CEF:0|Fortinet|Fortigate|...|FTNTFGTlogid=...", keys
// without the FTNTFGT prefix mean the same). Handled ids (docs/AUDIT.md): SSL VPN 39424/39425 web
// mode up/down, 39947/39948 tunnel mode up/down, 39949 statistics, 39426 login failure; IPsec
// 37138 status change (tunnel-up/-down), 37141 statistics; administrator logins 32001/32002.

#include <algorithm>
#include <cstdio>

#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

struct Fields {
  std::string_view date, time, tz, eventtime, logid, action, user, remip, tunnelip, tunnelid,
      srccountry, tunneltype, subtype, status, reason, duration, sentbyte, rcvdbyte, xauthuser,
      assignip, src;
  // type="traffic" / "utm" after a logid: a forward-traffic or security log, never a login.
  // Most of a real FortiGate's log; the scan stops there.
  bool not_a_login = false;
};

// Dispatch on length first: most keys of a FortiGate line are none of these, and this is the
// parser's hot loop.
void Assign(Fields& fields, std::string_view key, std::string_view value) {
  if (key.size() > 7 && key[0] == 'F' && key.starts_with("FTNTFGT")) key.remove_prefix(7);  // CEF
  switch (key.size()) {
    case 2:
      if (SameSizeEquals(key, "tz")) fields.tz = value;
      break;
    case 3:
      if (SameSizeEquals(key, "src")) fields.src = value;
      if (SameSizeEquals(key, "act")) fields.action = value;
      break;
    case 4:
      if (SameSizeEquals(key, "date"))
        fields.date = value;
      else if (SameSizeEquals(key, "time"))
        fields.time = value;
      else if (SameSizeEquals(key, "user"))
        fields.user = value;
      else if (SameSizeEquals(key, "type") && !fields.logid.empty())
        fields.not_a_login = value == "traffic" || value == "utm";
      break;
    case 5:
      if (SameSizeEquals(key, "logid"))
        fields.logid = value;
      else if (SameSizeEquals(key, "remip"))
        fields.remip = value;
      else if (SameSizeEquals(key, "duser"))
        fields.user = value;
      break;
    case 6:
      if (SameSizeEquals(key, "action"))
        fields.action = value;
      else if (SameSizeEquals(key, "status"))
        fields.status = value;
      else if (SameSizeEquals(key, "reason"))
        fields.reason = value;
      break;
    case 7:
      if (SameSizeEquals(key, "subtype"))
        fields.subtype = value;
      else if (SameSizeEquals(key, "msgtype"))  // CEF
        fields.subtype = value;
      break;
    case 8:
      if (SameSizeEquals(key, "tunnelip"))
        fields.tunnelip = value;
      else if (SameSizeEquals(key, "tunnelid"))
        fields.tunnelid = value;
      else if (SameSizeEquals(key, "duration"))
        fields.duration = value;
      else if (SameSizeEquals(key, "sentbyte"))
        fields.sentbyte = value;
      else if (SameSizeEquals(key, "rcvdbyte"))
        fields.rcvdbyte = value;
      else if (SameSizeEquals(key, "assignip"))
        fields.assignip = value;
      break;
    case 9:
      if (SameSizeEquals(key, "eventtime"))
        fields.eventtime = value;
      else if (SameSizeEquals(key, "xauthuser"))
        fields.xauthuser = value;
      break;
    case 10:
      if (SameSizeEquals(key, "srccountry"))
        fields.srccountry = value;
      else if (SameSizeEquals(key, "tunneltype"))
        fields.tunneltype = value;
      break;
    default:
      break;
  }
}

// Returns false when the text is not key=value shaped at all.
bool Split(std::string_view text, Fields& fields) {
  size_t pairs = 0;
  std::string_view key, value;
  while (NextKeyValue(text, key, value)) {
    Assign(fields, key, value);
    ++pairs;
    if (fields.not_a_login) return true;
  }
  return pairs >= 3;
}

std::optional<int64_t> ResolveTime(const Fields& fields, std::string_view line,
                                   TimeResolver& time) {
  if (auto epoch = ParseInt(fields.eventtime)) {
    // FortiOS 6.2+ logs nanoseconds (or micro/milliseconds); older releases seconds.
    int64_t value = *epoch;
    while (value > 100'000'000'000LL) value /= 1000;
    return value;
  }
  std::string_view date = fields.date;
  // time= without date=: the day comes from the syslog header.
  char header_date[16];
  if (date.empty()) {
    std::string_view header = line;
    LoggedTime logged;
    if (!ConsumeHeaderTime(header, logged)) return std::nullopt;
    if (logged.civil.year == 0) {
      // Resolve the header first so that the year is inferred like any year-less header.
      int64_t resolved = time.Resolve(logged);
      if (fields.time.empty()) return resolved;
      logged.civil.year = CivilFromUnix(resolved + logged.utc_offset_seconds.value_or(0)).year;
    }
    if (fields.time.empty()) return time.Resolve(logged);
    int written = std::snprintf(header_date, sizeof(header_date), "%04d-%02d-%02d",
                                logged.civil.year, logged.civil.month, logged.civil.day);
    if (written != 10) return std::nullopt;
    date = std::string_view(header_date, 10);
  }
  // "YYYY-MM-DD HH:MM:SS+HHMM" assembled without allocating.
  char stamp[40];
  if (date.size() + fields.time.size() + fields.tz.size() + 1 > sizeof(stamp)) {
    return std::nullopt;
  }
  char* end = std::copy(date.begin(), date.end(), stamp);
  *end++ = ' ';
  end = std::copy(fields.time.begin(), fields.time.end(), end);
  end = std::copy(fields.tz.begin(), fields.tz.end(), end);
  std::string_view text(stamp, static_cast<size_t>(end - stamp));
  LoggedTime logged;
  if (!ConsumeIsoTime(text, logged)) return std::nullopt;
  return time.Resolve(logged);
}

uint64_t Number(std::string_view text) {
  auto value = ParseInt(text);
  return value && *value > 0 ? static_cast<uint64_t>(*value) : 0;
}

bool Named(std::string_view user) { return !user.empty() && user != "N/A" && user != "N/a"; }

class FortiGateParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) override {
    if (Find(line, "logid=") == std::string_view::npos) return LineOutcome::kUnparsed;
    Fields fields;
    if (!Split(line, fields) || fields.logid.empty()) return LineOutcome::kUnparsed;
    out.message_id = fields.logid;
    if (fields.not_a_login) return LineOutcome::kIgnored;
    auto when = ResolveTime(fields, line, time);
    if (!when) return LineOutcome::kUnparsed;
    out.time = *when;
    std::string_view id =
        fields.logid.size() >= 5 ? fields.logid.substr(fields.logid.size() - 5) : fields.logid;
    std::string_view action = fields.action;
    if (id == "32001" || id == "32002" ||
        (fields.subtype == "system" && action == "login")) {  // administrator login
      bool failed = id == "32002" || (!fields.status.empty() && fields.status != "success");
      out.kind = failed ? EventKind::kAdminLoginFailure : EventKind::kAdminLoginSuccess;
      return LineOutcome::kEvent;
    }
    bool up = id == "39424" || id == "39947" || action == "tunnel-up";
    bool down = id == "39425" || id == "39948" || action == "tunnel-down";
    bool failed = id == "39426" || action == "ssl-login-fail";
    bool stats = id == "39949" || id == "37141" || action == "tunnel-stats";
    if (!up && !down && !failed && !stats) {
      // SSL VPN ids (39xxx) not handled are parser gaps; IPsec negotiation chatter (37xxx) and
      // other subtypes are not logins.
      bool ssl_vpn = fields.logid.size() >= 5 && id.starts_with("39") &&
                     (fields.subtype == "vpn" || fields.subtype.empty());
      return ssl_vpn ? LineOutcome::kUnparsed : LineOutcome::kIgnored;
    }
    std::string_view user = Named(fields.user) ? fields.user : fields.xauthuser;
    out.user = NormaliseUser(Named(user) ? user : std::string_view());
    out.source = ParseAddress(fields.remip.empty() ? fields.src : fields.remip);
    out.tunnel = ParseAddress(fields.tunnelip.empty() ? fields.assignip : fields.tunnelip);
    out.vendor_country = fields.srccountry == "Reserved" ? "" : std::string(fields.srccountry);
    out.client = fields.tunneltype;
    if (!fields.tunnelid.empty() && fields.tunnelid != "0") {
      out.session_key = fields.tunnelid;
      out.session_id = fields.tunnelid;
    }
    out.bytes_in = Number(fields.rcvdbyte);
    out.bytes_out = Number(fields.sentbyte);
    if (failed) {
      out.kind = EventKind::kLoginFailure;
      out.reason = fields.reason.empty() ? "login failed" : std::string(fields.reason);
      return LineOutcome::kEvent;
    }
    if (stats) {
      if (out.session_key.empty()) return LineOutcome::kIgnored;
      out.kind = EventKind::kSessionInfo;
      return LineOutcome::kEvent;
    }
    out.kind = up ? EventKind::kSessionStart : EventKind::kSessionEnd;
    if (down) {
      if (auto duration = ParseInt(fields.duration); duration && *duration >= 0) {
        out.duration = *duration;
      }
    }
    if (!out.source) return LineOutcome::kUnparsed;
    return LineOutcome::kEvent;
  }
};

}  // namespace

std::unique_ptr<LineParser> MakeFortiGateParser() { return std::make_unique<FortiGateParser>(); }

}  // namespace netwarden::audit
