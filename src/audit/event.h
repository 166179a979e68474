#pragma once
// The audit's data model: what a parser extracts from one log line (Event), and what the
// sessionizer builds from them (Session, LoginAttempt). Detectors only ever see the latter two.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ip.h"

namespace netwarden::audit {

enum class LogFormat : uint8_t {
  kF5Apm,
  kCiscoAsa,
  kFortiGate,
  kGlobalProtect,
  kOpenVpnLog,
  kOpenVpnStatus,
  kOcserv,
  kPulse,
};

// Stable names used by --format and in every output.
std::string_view LogFormatName(LogFormat format);
std::optional<LogFormat> LogFormatFromName(std::string_view name);

enum class EventKind : uint8_t {
  kLoginSuccess,  // authentication succeeded; a session may or may not follow
  kLoginFailure,
  kSessionStart,  // implies a successful login
  kSessionEnd,
  kSessionInfo,  // a detail of a session (user, source, tunnel address, client) logged apart
  // A login to the gateway's own management (console, SSH, web admin): counted per file and kept
  // out of the VPN sessions and attempts, so that an administrator never becomes a VPN login.
  kAdminLoginSuccess,
  kAdminLoginFailure,
};

// Points back into the input: index into the run's file list and 1-based line number.
struct Evidence {
  uint32_t file = 0;
  uint64_t line = 0;
};

struct Event {
  EventKind kind = EventKind::kSessionInfo;
  int64_t time = 0;  // Unix seconds, UTC
  std::string user;  // normalised (NormaliseUser); empty when not logged or masked
  std::optional<IpAddress> source;
  std::optional<IpAddress> tunnel;
  // Correlates the lines of one session: the vendor's session id, or a composed key
  // (ASA: group|user|ip) when the vendor has none. Empty: the line stands alone.
  std::string session_key;
  std::string client;          // client software / OS when logged
  std::string vendor_country;  // a country the gateway itself logged (F5 CC=, srccountry, region)
  // Only F5 logs the session id but not the user on most lines: the id is worth keeping.
  std::string session_id;
  std::string reason;  // why a login failed, as the gateway put it
  // A start that only a new session logs (ASA 113039, ocserv "user logged in"): a second one on a
  // key whose session is live is another session, never merged into the first. Starts without
  // it (SVC reconnects, Pulse's tunnel start after the agent login) join the live session.
  bool opens_session = false;
  // Session end / statistics lines: what the gateway counted. -1: not logged.
  int64_t duration = -1;  // seconds; lets an end whose start is not in the log still make a session
  uint64_t bytes_in = 0;  // to the gateway from the client
  uint64_t bytes_out = 0;  // from the gateway to the client
  // The vendor's message id or event name of the line (points into the line; valid while it is
  // parsed). Set on unparsed lines that are recognisably the vendor's, so the summary counts
  // parser gaps per id and format detection still recognises the vendor.
  std::string_view message_id;

  // Back to a fresh event, keeping the strings' buffers: one Event serves a whole file.
  void Clear() {
    kind = EventKind::kSessionInfo;
    time = 0;
    user.clear();
    source.reset();
    tunnel.reset();
    session_key.clear();
    client.clear();
    vendor_country.clear();
    session_id.clear();
    reason.clear();
    opens_session = false;
    duration = -1;
    bytes_in = 0;
    bytes_out = 0;
    message_id = {};
  }
};

// Sessions and attempts are what a long log turns into by the million: their strings are views
// into the run's StringPool (AuditInput::strings), so that they stay small and trivially
// copyable. Whoever fills one interns its strings in the pool of the input it goes into.
struct Session {
  std::string_view user;
  std::optional<IpAddress> source;
  std::optional<IpAddress> tunnel;
  LogFormat format = LogFormat::kF5Apm;
  int64_t start = 0;
  std::optional<int64_t> end;
  std::string_view session_id;
  std::string_view client;
  std::string_view vendor_country;
  Evidence evidence;
  uint64_t bytes_in = 0;  // 0: not logged
  uint64_t bytes_out = 0;
};

// A failed login, or a successful one that the gateway logged apart from any session. A session
// start is itself a successful login and is not repeated here (sessions dominate memory).
struct LoginAttempt {
  int64_t time = 0;
  std::string_view user;
  std::optional<IpAddress> source;
  bool success = false;
  Evidence evidence;
  std::string_view reason;  // failures: the gateway's reason when it logged one
};

}  // namespace netwarden::audit
