#include "audit/serve/request_guard.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "audit/report_csp.h"

namespace netwarden::audit {

namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsWildcard(std::string_view host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "*";
}

}  // namespace

std::optional<std::string> HostOfHeader(std::string_view header) {
  std::string_view host = header;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    host = host.substr(1, close - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    host = host.substr(0, host.find(':'));
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // a bare IPv6 address is not a valid Host
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty()) return std::nullopt;
  // Host names, IPv4 and (bracketed) IPv6 addresses only: no spaces, no user info, no paths.
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == ':' || c == '_';
    if (!ok) return std::nullopt;
  }
  return Lower(host);
}

std::vector<std::string> AllowedHosts(std::string_view bound_host,
                                      const std::vector<std::string>& extra) {
  std::vector<std::string> allowed = {"localhost", "127.0.0.1", "::1"};
  if (!IsWildcard(bound_host)) {
    std::string bound(bound_host);
    if (bound.find(':') != std::string::npos && bound.front() != '[') bound = "[" + bound + "]";
    if (auto host = HostOfHeader(bound)) allowed.push_back(*host);
  }
  for (const auto& name : extra) {
    if (auto host = HostOfHeader(name)) allowed.push_back(*host);
  }
  std::sort(allowed.begin(), allowed.end());
  allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
  return allowed;
}

bool HostAllowed(std::string_view host_header, const std::vector<std::string>& allowed) {
  auto host = HostOfHeader(host_header);
  return host && std::find(allowed.begin(), allowed.end(), *host) != allowed.end();
}

Result<std::string> NewAccessToken() {
  unsigned char bytes[32];
  size_t filled = 0;
  while (filled < sizeof bytes) {
    ssize_t got = getrandom(bytes + filled, sizeof bytes - filled, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      return MakeError(
          ErrorCode::kIo,
          std::string("cannot read random bytes for the access token: ") + std::strerror(errno));
    }
    filled += static_cast<size_t>(got);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char byte : bytes) {
    token += kHex[byte >> 4];
    token += kHex[byte & 0x0F];
  }
  return token;
}

bool TokenMatches(std::string_view given, std::string_view expected) {
  if (expected.empty()) return false;
  unsigned char difference = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    unsigned char a = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    difference |= static_cast<unsigned char>(a ^ static_cast<unsigned char>(expected[i]));
  }
  return difference == 0;
}

std::vector<std::pair<std::string, std::string>> SecurityHeaders() {
  return {
      {"Content-Security-Policy", ReportContentSecurityPolicy() + "; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cache-Control", "no-store"},
  };
}

}  // namespace netwarden::audit
