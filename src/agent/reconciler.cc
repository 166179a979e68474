#include "agent/reconciler.h"

#include <algorithm>

namespace netwarden::agent {

using namespace std::chrono_literals;

std::chrono::milliseconds RetryDelay(int failures) {
  std::chrono::milliseconds delay = 250ms;
  for (int i = 1; i < failures && delay < 10s; ++i) delay *= 2;
  return std::min<std::chrono::milliseconds>(delay, 10s);
}

void Reconciler::Add(Manager* manager) { managers_.push_back(manager); }

bool Reconciler::any_dirty() const {
  return std::any_of(managers_.begin(), managers_.end(),
                     [](const Manager* manager) { return manager->dirty(); });
}

int Reconciler::failures(const std::string& manager) const {
  const auto found = backoff_.find(manager);
  return found == backoff_.end() ? 0 : found->second.failures;
}

std::vector<Manager*> Reconciler::SafeOrder(const std::vector<Manager*>& dirty, bool* unordered) {
  std::vector<Manager*> tightening, mixed, loosening;
  for (Manager* manager : dirty) {
    switch (manager->pending_direction()) {
      case Direction::kTightens:
      case Direction::kNone:  // dirty with nothing to change: a repair, which only restores
        tightening.push_back(manager);
        break;
      case Direction::kLoosens:
        loosening.push_back(manager);
        break;
      case Direction::kMixed:
        mixed.push_back(manager);
        break;
    }
  }
  if (unordered) *unordered = mixed.size() > 1;
  std::vector<Manager*> order = tightening;
  order.insert(order.end(), mixed.begin(), mixed.end());
  order.insert(order.end(), loosening.begin(), loosening.end());
  return order;
}

ReconcileOutcome Reconciler::Reconcile(Clock::time_point now) {
  ReconcileOutcome outcome;
  std::vector<Manager*> due;
  for (Manager* manager : managers_) {
    if (!manager->dirty()) continue;
    const Backoff& backoff = backoff_[manager->name()];
    if (backoff.failures > 0 && now < backoff.next_try) {
      outcome.failed.push_back({manager->name(), "waiting to retry"});
      continue;
    }
    due.push_back(manager);
  }
  for (Manager* manager : SafeOrder(due, &outcome.unordered_mixed)) {
    Backoff& backoff = backoff_[manager->name()];
    if (auto applied = manager->Apply(); applied) {
      backoff = Backoff{};
      outcome.applied.push_back(manager->name());
    } else {
      ++backoff.failures;
      backoff.next_try = now + RetryDelay(backoff.failures);
      outcome.failed.push_back({manager->name(), applied.error().ToString()});
    }
  }
  if (!outcome.failed.empty()) {
    auto earliest = Clock::time_point::max();
    for (const auto& failure : outcome.failed) {
      earliest = std::min(earliest, backoff_[failure.manager].next_try);
    }
    outcome.retry_in = std::max<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(earliest - now), 1ms);
  }
  return outcome;
}

}  // namespace netwarden::agent
