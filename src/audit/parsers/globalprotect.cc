// Palo Alto GlobalProtect: the PAN-OS 9.1+ GLOBALPROTECT CSV log, and the older SYSTEM log whose
// description reads "GlobalProtect gateway user authentication succeeded. Login from: ...".
// Both may arrive behind a syslog header.

#include <cstdint>
#include <cstring>
#include <vector>

#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

// GLOBALPROTECT log columns (PAN-OS 9.1 and later).
enum Column : size_t {
  kGeneratedTime = 6,
  kEventId = 8,
  kUser = 12,
  kRegion = 13,
  kMachine = 14,
  kPublicIp = 15,
  kPublicIpv6 = 16,
  kPrivateIp = 17,
  kHostId = 19,
  kClientVersion = 21,
  kClientOs = 22,
  kReason = 25,
  kError = 26,
  kStatus = 28,
  kLoginDuration = 30,
};

// What a GLOBALPROTECT event id means for a login (PAN-OS 9.1+ "Event ID" field).
enum class GpEvent : uint8_t { kAuth, kStart, kEnd, kInfo, kIgnored, kUnknown };

GpEvent Classify(std::string_view event) {
  struct Known {
    std::string_view name;
    GpEvent meaning;
  };
  static constexpr Known kEvents[] = {
      {"portal-auth", GpEvent::kAuth},
      {"gateway-auth", GpEvent::kAuth},
      {"gateway-connected", GpEvent::kStart},
      {"gateway-setup-ipsec", GpEvent::kStart},
      {"gateway-setup-ssl", GpEvent::kStart},
      {"gateway-logout", GpEvent::kEnd},
      {"gateway-disconnected", GpEvent::kEnd},
      {"gateway-register", GpEvent::kInfo},
      {"gateway-getconfig", GpEvent::kInfo},
      {"gateway-config-release", GpEvent::kIgnored},
      {"gateway-switch-to-ssl", GpEvent::kIgnored},
      {"gateway-hip-report", GpEvent::kIgnored},
      {"gateway-hip-check", GpEvent::kIgnored},
      {"gateway-agent-msg", GpEvent::kIgnored},
      {"gateway-tunnel-latency", GpEvent::kIgnored},
      {"gateway-prelogin", GpEvent::kIgnored},
      {"gateway-selected", GpEvent::kIgnored},
      {"gateway-connect-attempt", GpEvent::kIgnored},
      {"portal-prelogin", GpEvent::kIgnored},
      {"portal-getconfig", GpEvent::kIgnored},
      {"portal-gateway-list", GpEvent::kIgnored},
      {"clientless-vpn", GpEvent::kIgnored},
  };
  for (const Known& known : kEvents) {
    if (known.name == event) return known.meaning;
  }
  return GpEvent::kUnknown;
}

// RFC 4180-ish split; quoted fields keep their inner text (doubled quotes are rare enough in
// these logs that they are left as they are). Only the first `wanted` fields are split (the rest
// are never read), in one pass over the characters.
void SplitCsv(std::string_view text, std::vector<std::string_view>& fields,
              size_t wanted = SIZE_MAX) {
  fields.clear();
  const char* p = text.data();
  const char* end = p + text.size();
  while (fields.size() < wanted) {
    if (p < end && *p == '"') {
      const char* open = p + 1;
      const auto* close = static_cast<const char*>(std::memchr(open, '"', end - open));
      if (close == nullptr) {
        fields.emplace_back(open, static_cast<size_t>(end - open));
        return;
      }
      fields.emplace_back(open, static_cast<size_t>(close - open));
      p = close + 1;
      while (p < end && *p != ',') ++p;
      if (p >= end) return;
      ++p;
      continue;
    }
    const char* start = p;
    while (p < end && *p != ',') ++p;
    fields.emplace_back(start, static_cast<size_t>(p - start));
    if (p >= end) return;
    ++p;
  }
}

std::optional<int64_t> CsvTime(std::string_view text, TimeResolver& time) {
  LoggedTime logged;
  if (!ConsumeIsoTime(text, logged)) return std::nullopt;
  return time.Resolve(logged);
}

// PAN-OS writes 0.0.0.0 for "none".
std::optional<IpAddress> ParseLoggedAddress(std::string_view text) {
  if (text == "0.0.0.0" || text == "::") return std::nullopt;
  return ParseAddress(text);
}

// user|public IP|host, built in `key` (whose buffer is reused) from the logged text.
void BuildKey(std::string& key, std::string_view user, std::string_view source,
              std::string_view host) {
  key.reserve(user.size() + source.size() + host.size() + 2);
  key.append(user).append(1, '|').append(source).append(1, '|').append(host);
}

// Where ",<type>," is in a CSV line. Searching from the type's first letter: a search from the
// comma would stop at every field.
size_t FindType(std::string_view line, std::string_view type_and_comma) {
  for (size_t at = Find(line, type_and_comma); at != std::string_view::npos;
       at = Find(line, type_and_comma, at + 1)) {
    if (at > 0 && line[at - 1] == ',') return at - 1;
  }
  return std::string_view::npos;
}

// PAN-OS log types that say nothing about VPN logins (traffic, threat, URL, ...): a firewall that
// forwards them in the same syslog stream writes far more of them than GLOBALPROTECT lines. The
// type must sit in PAN-OS's CSV shape (",<receive time>,<serial>,<TYPE>,"), so that no other
// vendor's line is taken for one.
bool IsOtherPanOsLog(std::string_view line) {
  for (std::string_view type : {"TRAFFIC,", "THREAT,", "URL,", "CONFIG,", "HIPMATCH,", "USERID,",
                                "DECRYPTION,", "TUNNEL,", "SCTP,", "IPTAG,"}) {
    size_t comma = FindType(line, type);
    if (comma == std::string_view::npos) continue;
    std::string_view before = line.substr(0, comma);  // "... 1,2024/03/01 07:00:00,0131..."
    size_t serial = before.rfind(',');
    if (serial == std::string_view::npos || serial + 1 == before.size() || serial < 19) continue;
    std::string_view time = before.substr(serial - 19, 19);
    LoggedTime logged;
    if (ConsumeIsoTime(time, logged) && time.empty()) return true;
  }
  return false;
}

class GlobalProtectParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& time, Event& out) override {
    if (size_t type = FindType(line, "GLOBALPROTECT,"); type != std::string_view::npos) {
      return ParseCsv(line, type, time, out);
    }
    if (Find(line, "GlobalProtect ") != std::string_view::npos) return ParseText(line, time, out);
    if (FindType(line, "SYSTEM,auth,") != std::string_view::npos)
      return ParseAdmin(line, time, out);
    if (IsOtherPanOsLog(line)) return LineOutcome::kIgnored;
    return LineOutcome::kUnparsed;
  }

 private:
  LineOutcome ParseCsv(std::string_view line, size_t type, TimeResolver& time, Event& out) {
    // The CSV begins two fields before the serial number; skip any syslog header before it.
    std::string_view before = line.substr(0, type);
    size_t comma = before.rfind(',');
    if (comma == std::string_view::npos || comma == 0) return LineOutcome::kUnparsed;
    comma = before.rfind(',', comma - 1);
    if (comma == std::string_view::npos) return LineOutcome::kUnparsed;
    size_t begin = before.rfind(' ', comma);
    begin = begin == std::string_view::npos ? 0 : begin + 1;
    SplitCsv(line.substr(begin), fields_, kLoginDuration + 1);
    if (fields_.size() <= kStatus || fields_[3] != "GLOBALPROTECT") return LineOutcome::kUnparsed;
    auto when = CsvTime(fields_[kGeneratedTime], time);
    if (!when) return LineOutcome::kUnparsed;
    out.time = *when;
    std::string_view event = fields_[kEventId];
    out.message_id = event;
    bool success = fields_[kStatus] == "success";
    switch (Classify(event)) {
      case GpEvent::kAuth:
        out.kind = success ? EventKind::kLoginSuccess : EventKind::kLoginFailure;
        if (!success) {
          std::string_view reason = fields_[kError].empty() ? fields_[kReason] : fields_[kError];
          out.reason = reason.empty() ? std::string(fields_[kStatus]) : std::string(reason);
        }
        break;
      case GpEvent::kStart:
        if (!success) return LineOutcome::kIgnored;  // a failed tunnel setup is no login
        out.kind = EventKind::kSessionStart;
        break;
      case GpEvent::kEnd:
        out.kind = EventKind::kSessionEnd;
        if (fields_.size() > kLoginDuration) {
          if (auto duration = ParseInt(fields_[kLoginDuration]); duration && *duration > 0) {
            out.duration = *duration;
          }
        }
        break;
      case GpEvent::kInfo:
        if (!success) return LineOutcome::kIgnored;
        out.kind = EventKind::kSessionInfo;
        break;
      case GpEvent::kIgnored:
        return LineOutcome::kIgnored;
      case GpEvent::kUnknown:
        return LineOutcome::kUnparsed;
    }
    out.user = NormaliseUser(fields_[kUser]);
    std::string_view source_text = fields_[kPublicIp];
    out.source = ParseLoggedAddress(source_text);
    if (!out.source) {
      source_text = fields_[kPublicIpv6];
      out.source = ParseLoggedAddress(source_text);
    }
    if (!out.source) source_text = {};
    out.tunnel = ParseLoggedAddress(fields_[kPrivateIp]);
    std::string_view region = fields_[kRegion];
    if (region.size() == 2) out.vendor_country = region;
    out.client.assign(fields_[kClientVersion]);
    if (!fields_[kClientOs].empty()) out.client.append(1, '/').append(fields_[kClientOs]);
    // A failure carries all its facts and belongs to no session: keyed, every try of a spray
    // would hold an open-session entry.
    if (out.kind == EventKind::kLoginFailure) return LineOutcome::kEvent;
    BuildKey(out.session_key, out.user, source_text,
             fields_[kHostId].empty() ? fields_[kMachine] : fields_[kHostId]);
    return LineOutcome::kEvent;
  }

  // PAN-OS SYSTEM log, subtype auth: logins to the firewall's management (web UI, CLI, API).
  LineOutcome ParseAdmin(std::string_view line, TimeResolver& time, Event& out) {
    SplitCsv(line, fields_);
    if (fields_.size() <= kEventId) return LineOutcome::kUnparsed;
    auto when = CsvTime(fields_[kGeneratedTime], time);
    if (!when) return LineOutcome::kUnparsed;
    out.time = *when;
    std::string_view event = fields_[kEventId];
    if (event == "auth-success") {
      out.kind = EventKind::kAdminLoginSuccess;
    } else if (event == "auth-fail") {
      out.kind = EventKind::kAdminLoginFailure;
    } else {
      return LineOutcome::kIgnored;
    }
    return LineOutcome::kEvent;
  }

  LineOutcome ParseText(std::string_view line, TimeResolver& time, Event& out) {
    // SYSTEM CSV: the generated time is the 7th field; a bare syslog line has its header.
    std::string_view header = line;
    if (FindType(line, "SYSTEM,") != std::string_view::npos) {
      SplitCsv(line, fields_);
      std::optional<int64_t> when;
      if (fields_.size() > kGeneratedTime) when = CsvTime(fields_[kGeneratedTime], time);
      if (!when) return LineOutcome::kUnparsed;
      out.time = *when;
      // "globalprotectgateway-auth-succ", ...: named when the text below is not understood.
      if (fields_.size() > kEventId && fields_[kEventId].starts_with("globalprotect")) {
        out.message_id = fields_[kEventId];
      }
    } else if (!ConsumeHeaderUtc(header, time, out.time)) {
      return LineOutcome::kUnparsed;
    }
    auto text = After(line, "GlobalProtect ");
    bool gateway = text->starts_with("gateway ");
    auto user = After(*text, "User name: ");
    if (user) {
      std::string_view name = TokenUntil(*user, ",\"");
      if (name.ends_with('.')) name.remove_suffix(1);  // the sentence's full stop
      out.user = NormaliseUser(name);
    }
    if (auto from = After(*text, "Login from: "))
      out.source = ParseAddress(TokenUntil(*from, ", \""));
    if (auto private_ip = After(*text, "Private IP: ")) {
      out.tunnel = ParseAddress(TokenUntil(*private_ip, ", \""));
    }
    if (auto version = After(*text, "Client version: ")) out.client = TokenUntil(*version, ",\"");
    if (!user) return out.message_id.empty() ? LineOutcome::kIgnored : LineOutcome::kUnparsed;
    out.session_key = out.user;
    if (text->find("user authentication succeeded") != std::string_view::npos) {
      out.kind = gateway ? EventKind::kSessionStart : EventKind::kLoginSuccess;
    } else if (text->find("user authentication failed") != std::string_view::npos ||
               text->find("user login failed") != std::string_view::npos) {
      out.kind = EventKind::kLoginFailure;
      if (auto reason = After(*text, "Reason: ")) out.reason = TokenUntil(*reason, ",\"");
      if (out.reason.empty()) out.reason = "authentication failed";
    } else if (text->find("client configuration generated") != std::string_view::npos) {
      out.kind = EventKind::kSessionInfo;
    } else if (text->find("logout succeeded") != std::string_view::npos && gateway) {
      out.kind = EventKind::kSessionEnd;
    } else if (text->find("client configuration released") != std::string_view::npos ||
               text->find("registration succeeded") != std::string_view::npos ||
               text->find("agent message") != std::string_view::npos ||
               text->find("HIP") != std::string_view::npos) {
      return LineOutcome::kIgnored;
    } else {
      return out.message_id.empty() ? LineOutcome::kIgnored : LineOutcome::kUnparsed;
    }
    if (out.kind != EventKind::kSessionStart && out.kind != EventKind::kSessionInfo &&
        out.kind != EventKind::kSessionEnd) {
      out.session_key.clear();
    }
    return LineOutcome::kEvent;
  }

  std::vector<std::string_view> fields_;
};

}  // namespace

std::unique_ptr<LineParser> MakeGlobalProtectParser() {
  return std::make_unique<GlobalProtectParser>();
}

}  // namespace netwarden::audit
