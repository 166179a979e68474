#pragma once
// One manager per enforcement plane (Calico Felix's dataplane managers): the forced-VPN table,
// the threat-feed sets and routes, the per-program firewall's maps and links.
//
// The agent never programs the kernel from an input handler. Inputs only change the agent's
// situation and mark it dirty; once per event-loop turn the reconcile step derives each plane's
// desired state, hands it to its manager (a typed SetDesired on the concrete class: each plane's
// desired state is its own type), and calls Apply() on every manager that is dirty, in an order
// that never opens more than the old or the new state allows (see Direction). A manager whose
// Apply fails stays dirty and is retried with backoff while the others proceed.
//
// Resync() reads back what the kernel holds and reports drift (a table deleted by another tool,
// a BPF link detached); a manager that finds drift marks itself dirty so the next Apply restores
// it, and the agent reports the drift as an event.

#include <string>
#include <vector>

#include "core/result.h"

namespace netwarden::agent {

// What the pending change does to the set of packets this plane lets through.
enum class Direction {
  kNone,      // nothing pending
  kTightens,  // the new state allows a subset of what the old one allows
  kLoosens,   // the new state allows a superset
  kMixed,     // both, or unknown (the safe default)
};

struct Drift {
  std::string object;  // "inet netwarden", "inet netwarden_threats", "link cgroup/connect4", ...
  std::string found;   // "missing" | "changed"
};

class Manager {
 public:
  virtual ~Manager() = default;

  // "vpn", "threats", "apps": the plane's name in events and status.
  virtual const char* name() const = 0;

  // True when the desired state differs from what was last applied, or drift was found, or the
  // last Apply failed.
  virtual bool dirty() const = 0;

  // What the pending change does (see Direction). Only meaningful while dirty().
  virtual Direction pending_direction() const = 0;

  // Makes the kernel hold the desired state. On success the manager is clean. On failure the
  // kernel holds the previous state or a safe one (never a mix that allows more), and the manager
  // stays dirty.
  virtual Result<void> Apply() = 0;

  // Reads the kernel and compares it with what this manager last applied. Returns the drift
  // found (empty when in sync) and marks the manager dirty when there is any.
  virtual Result<std::vector<Drift>> Resync() = 0;
};

}  // namespace netwarden::agent
