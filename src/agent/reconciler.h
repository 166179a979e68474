#pragma once
// The agent's one apply step (Felix's apply loop): applies the dirty managers in an order that
// never lets more through than the old or the new state allows, keeps a failed manager dirty and
// retries it with backoff while the others proceed.
//
// Why the order is safe: a packet passes only if every plane lets it through. Apply first the
// planes whose change only tightens, then at most one plane whose change is mixed, then those that
// only loosen. After phase 1 the tightened planes are at their new state (a subset of the old),
// the rest at the old: the whole is a subset of the old state. After phase 2 the mixed plane is
// new too: every plane but the loosening ones is new, and those are still at their old state,
// a subset of their new one: the whole is a subset of the new state. With two or more mixed
// planes no order gives that guarantee; they are applied in registration order (forced VPN,
// then threat feeds, then apps) and the case is counted.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "agent/manager.h"

namespace netwarden::agent {

struct ManagerFailure {
  std::string manager;
  std::string error;
};

struct ReconcileOutcome {
  std::vector<std::string> applied;    // managers applied successfully, in order
  std::vector<ManagerFailure> failed;  // managers that stay dirty
  bool unordered_mixed = false;        // two or more mixed changes at once
  // When the earliest retry is due (only meaningful when `failed` is not empty).
  std::chrono::milliseconds retry_in{0};
  bool clean() const { return failed.empty(); }
};

class Reconciler {
 public:
  using Clock = std::chrono::steady_clock;

  // Managers in registration order; not owned.
  void Add(Manager* manager);
  const std::vector<Manager*>& managers() const { return managers_; }

  // Applies every dirty manager whose backoff has expired, in the safe order. `now` is injected
  // so tests need no sleeping.
  ReconcileOutcome Reconcile(Clock::time_point now);

  // The order Reconcile would apply the given dirty managers in (exposed for tests).
  static std::vector<Manager*> SafeOrder(const std::vector<Manager*>& dirty, bool* unordered);

  bool any_dirty() const;
  // A manager's consecutive failures, for status.
  int failures(const std::string& manager) const;

 private:
  struct Backoff {
    int failures = 0;
    Clock::time_point next_try{};
  };
  std::vector<Manager*> managers_;
  std::map<std::string, Backoff> backoff_;
};

// 250 ms, doubling, at most 10 s: quick enough for a transient netlink error, slow enough not to
// spin on a kernel that keeps refusing.
std::chrono::milliseconds RetryDelay(int failures);

}  // namespace netwarden::agent
