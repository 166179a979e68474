#pragma once
// `netwarden audit serve`: the report live over the history database, for this machine's
// operator only (serve/request_guard.h: Host allow-list, token, security headers).

#include <ostream>
#include <string>
#include <vector>

#include "audit/audit_run.h"

namespace netwarden::audit {

struct ServeSettings {
  std::string listen = "127.0.0.1:8080";   // HOST:PORT; port 0: any free port
  std::vector<std::string> allowed_hosts;  // --allow-host: names besides the bound address
};

// Prints "serving http://HOST:PORT/?token=... from DB" to `log` once listening (the only place
// the token appears), then blocks until the server stops. Requests with a Host header not on the
// allow-list get 421, requests without the token 403.
Result<void> ServeAudit(const AuditOptions& options, const ServeSettings& settings,
                        std::ostream& log);

}  // namespace netwarden::audit
