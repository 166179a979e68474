#pragma once
// The authenticated trusted-network probe: TLS to the configured address over one interface;
// the network is trusted only if the server's certificate has the pinned SHA-256 and the server
// completes the handshake (which proves it holds the certificate's key).

#include <chrono>
#include <string>

#include "core/ip.h"
#include "core/result.h"

namespace netwarden::agent {

struct ProbeTarget {
  IpAddress address;
  uint16_t port = 443;
  std::string server_name;  // SNI; empty for address literals
  std::string sha256;       // lower-case hex
};

struct ProbeOutcome {
  bool trusted = false;
  std::string detail;  // why not, or the matched fingerprint
};

// Blocking (run it on a worker thread). Any failure, including a timeout, means untrusted.
// `timeout` bounds the whole probe (connect, TLS handshake, close_notify) by one monotonic
// deadline: a server that answers one byte at a time cannot keep the probe, and so the trust it
// would withdraw, alive past it. The probe proves possession of the pinned certificate's key by
// the handshake; it sends no HTTP request (the URL's path is not fetched).
ProbeOutcome RunTrustProbe(const ProbeTarget& target, const std::string& interface,
                           std::chrono::milliseconds timeout);

}  // namespace netwarden::agent
