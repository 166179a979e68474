#pragma once
// Who may use `audit serve`. The page shows every user's logins, so a request must name this
// server (the Host header is on an allow-list: a web page elsewhere that re-binds its own name
// to 127.0.0.1 sends its own name, DNS rebinding) and carry the random token of the URL the
// server printed at start (other local users and other browser tabs do not know it).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace netwarden::audit {

// The host names a browser may use for the server: the bound address (unless a wildcard, which
// names no host), the loopback names, and the operator's --allow-host values (host or host:port,
// e.g. a name behind a reverse proxy). Lower case, IPv6 without brackets.
std::vector<std::string> AllowedHosts(std::string_view bound_host,
                                      const std::vector<std::string>& extra);

// The host of a Host header ("Audit.Example:8080" -> "audit.example", "[::1]:80" -> "::1",
// a trailing dot dropped); nullopt when empty or malformed.
std::optional<std::string> HostOfHeader(std::string_view header);

bool HostAllowed(std::string_view host_header, const std::vector<std::string>& allowed);

// 32 bytes from the kernel's CSPRNG (getrandom), as 64 lower-case hex digits.
Result<std::string> NewAccessToken();

// Compares in time independent of where the strings differ.
bool TokenMatches(std::string_view given, std::string_view expected);

// The headers every served response carries: the report's Content-Security-Policy with
// frame-ancestors 'none', nosniff, no referrer (the URL holds the token), no caching.
std::vector<std::pair<std::string, std::string>> SecurityHeaders();

}  // namespace netwarden::audit
