#pragma once
// rtnetlink: notifications about links, addresses and routes (no polling), and dumps of the
// current state when something changed.

#include <memory>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"
#include "situation/situation.h"

struct mnl_socket;

namespace netwarden::agent {

struct RouteEntry {
  IpNetwork destination;
  std::string interface;
  bool connected = false;  // on-link (scope link), no gateway
};

struct NetworkSnapshot {
  std::vector<InterfaceState> interfaces;  // up, not loopback
  std::vector<RouteEntry> routes;          // main table
};

class InterfaceMonitor {
 public:
  static Result<std::unique_ptr<InterfaceMonitor>> Open();
  ~InterfaceMonitor();

  int notification_fd() const;
  // Reads and discards pending notifications; true when any arrived (something changed).
  bool DrainNotifications();
  Result<NetworkSnapshot> Snapshot();

 private:
  InterfaceMonitor(mnl_socket* events) : events_(events) {}
  mnl_socket* events_;
};

}  // namespace netwarden::agent
