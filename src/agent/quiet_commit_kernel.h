#pragma once
// The threat plane's kernel as the agent gives it to its ThreatManager: the real one, except that
// the agent's own nftables change notifications are paused around a big element commit. While
// any socket listens to NFNLGRP_NFTABLES the kernel builds one notification per set element
// inside the commit; for a 1 M-entry feed (1.5 M elements) that made a load ~40 s of kernel time
// instead of ~3 s, with the agent's loop waiting. Whatever another process commits in that window
// is not notified, so `resumed` asks for a check of every table at once (drift is still found
// within milliseconds after the commit, and by the periodic check in any case).

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "threats/threat_kernel.h"

namespace netwarden::agent {

class QuietCommitKernel final : public threats::ThreatKernel {
 public:
  struct Hooks {
    std::function<void()> pause;   // before a big commit: leave the notification group
    std::function<void()> resume;  // after it (also when leaving failed): rejoin, check tables
  };
  // Commits of fewer elements than `threshold` (a refresh's diff, say) keep notifications on.
  QuietCommitKernel(std::unique_ptr<threats::ThreatKernel> inner, Hooks hooks,
                    size_t threshold = 20000)
      : inner_(std::move(inner)), hooks_(std::move(hooks)), threshold_(threshold) {}

  Result<bool> TableExists() override { return inner_->TableExists(); }
  Result<void> EnsureSets(const ThreatPolicy& threats) override {
    return inner_->EnsureSets(threats);
  }
  Result<threats::BatchStats> CommitSetUpdates(
      const std::vector<threats::SetUpdate>& updates) override {
    size_t elements = 0;
    for (const auto& update : updates) elements += update.add.size() + update.remove.size();
    const bool big = elements >= threshold_;
    if (big && hooks_.pause) hooks_.pause();
    auto committed = inner_->CommitSetUpdates(updates);
    if (big && hooks_.resume) hooks_.resume();
    return committed;
  }
  Result<void> ReplaceRules(const ThreatPolicy& threats,
                            const threats::StaleObjects& stale) override {
    return inner_->ReplaceRules(threats, stale);
  }
  Result<std::string> SetInspectRouting(const std::string& interface) override {
    return inner_->SetInspectRouting(interface);
  }
  Result<void> DeleteTable() override { return inner_->DeleteTable(); }
  Result<threats::TableSnapshot> Read(bool count_elements) override {
    return inner_->Read(count_elements);
  }

 private:
  std::unique_ptr<threats::ThreatKernel> inner_;
  Hooks hooks_;
  size_t threshold_;
};

}  // namespace netwarden::agent
