#pragma once
// The threat-feed plane as the reconciler sees it: the lists themselves are loaded by the feed
// work (agent_threats.cc: disk copies at start, downloads on a worker, one diffed transaction
// each), so this manager's job is the drift check — table `inet netwarden_threats` deleted by
// someone else — and the repair, a reload of the last good copies from disk.

#include <functional>

#include "agent/manager.h"

namespace netwarden::agent {

class ThreatTablePlane final : public Manager {
 public:
  // `wanted`: the policy has feeds (the table must exist). `reload`: puts the last good copies
  // back into the kernel.
  ThreatTablePlane(std::function<bool()> wanted, std::function<Result<void>()> reload)
      : wanted_(std::move(wanted)), reload_(std::move(reload)) {}

  const char* name() const override { return "threats"; }
  bool dirty() const override { return dirty_; }
  // Restoring block lists only takes away.
  Direction pending_direction() const override { return Direction::kTightens; }
  Result<void> Apply() override;
  Result<std::vector<Drift>> Resync() override;

 private:
  std::function<bool()> wanted_;
  std::function<Result<void>()> reload_;
  bool dirty_ = false;
};

}  // namespace netwarden::agent
