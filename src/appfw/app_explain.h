#pragma once
// `netwarden explain POLICY --program PATH ...`: which apps rule decides a flow, answered from
// the compiled tables the kernel gets (appfw/evaluate.h), without traffic.

#include <cstdint>
#include <iosfwd>
#include <string>

#include "appfw/compile.h"

namespace netwarden::appfw {

struct AppExplainRequest {
  std::string policy_path;
  std::string program;            // absolute path
  std::string user;               // uid or name; empty = the caller's uid
  std::string direction = "out";  // out | in (inbound from --dst) | listen (bind to --port)
  std::string protocol = "tcp";
  std::string remote;  // --dst: destination (out) or source (in)
  uint16_t port = 0;
  bool json = false;
};

// Prints one answer; returns a CLI exit code (0, or 2 for bad input).
int ExplainApp(const AppExplainRequest& request, std::ostream& out, std::ostream& err);

// Gateways' `host:` names resolved with the system resolver (apply and explain agree).
ResolvedHosts ResolveGatewayHosts(const Policy& policy);

}  // namespace netwarden::appfw
