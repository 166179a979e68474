#pragma once
// rtnetlink: notifications about links, addresses and routes (no polling), and dumps of the
// current state when something changed.

#include <cstdint>
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
  // Up, not loopback; each with its ifindex, link kind and carrier.
  std::vector<InterfaceState> interfaces;
  std::vector<RouteEntry> routes;  // main table
};

struct NotificationBatch {
  bool changed = false;  // something arrived: take a new snapshot
  // The kernel dropped notifications (ENOBUFS): which changes were lost is unknown, so nothing
  // derived from earlier notifications may be kept; resync everything from a full snapshot.
  bool overrun = false;
};

class InterfaceMonitor {
 public:
  static Result<std::unique_ptr<InterfaceMonitor>> Open();
  ~InterfaceMonitor();

  int notification_fd() const;
  // Reads and discards pending notifications; what arrived.
  NotificationBatch Drain();
  // The same, true when anything arrived (an overrun included).
  bool DrainNotifications();
  uint64_t overruns() const { return overruns_; }
  // A full dump of links, addresses and routes; an error when any dump failed or was incomplete
  // (never a partial snapshot).
  Result<NetworkSnapshot> Snapshot();

 private:
  InterfaceMonitor(mnl_socket* events) : events_(events) {}
  mnl_socket* events_;
  uint64_t overruns_ = 0;
};

}  // namespace netwarden::agent
