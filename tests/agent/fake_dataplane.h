#pragma once
// A stateful fake of the kernel's forced-VPN table for kernel-free tests (Felix's netlinkshim
// fakes): it keeps what a real table would hold, does set updates the way the nftables backend
// does (same structure = only the situational sets change), and can be told to fail or to be
// tampered with. Thread-safe: an agent under test applies from its loop thread while the test
// reads.

#include <mutex>
#include <optional>
#include <string>

#include "dataplane/dataplane.h"
#include "dataplane/nft/nft_renderer.h"

namespace netwarden::testing {

class FakeDataplane final : public Dataplane {
 public:
  Result<ApplyOutcome> Apply(const Ruleset& ruleset) override {
    std::lock_guard<std::recursive_mutex> lock(mutex);
    if (fail_applies > 0) {
      --fail_applies;
      return MakeError(ErrorCode::kKernel, "injected failure");
    }
    ++applies;
    if (kernel && nft::TableComment(*kernel) == nft::TableComment(ruleset)) {
      for (const auto& wanted : ruleset.sets) {
        if (!wanted.situational) continue;
        for (auto& held : kernel->sets) {
          if (held.name == wanted.name) held.elements = wanted.elements;
        }
      }
      ++set_updates;
      return ApplyOutcome{ApplyOutcome::Mode::kSetsUpdated, 0, 0};
    }
    return Replace(ruleset);
  }
  Result<ApplyOutcome> Replace(const Ruleset& ruleset) override {
    std::lock_guard<std::recursive_mutex> lock(mutex);
    kernel = ruleset;
    ++replacements;
    return ApplyOutcome{ApplyOutcome::Mode::kReplaced, 0, 0};
  }
  Result<void> Remove() override {
    std::lock_guard<std::recursive_mutex> lock(mutex);
    kernel.reset();
    return Ok();
  }
  Result<bool> IsInstalled() override {
    std::lock_guard<std::recursive_mutex> lock(mutex);
    return kernel.has_value();
  }
  Result<std::string> Fingerprint() override { return Held(); }
  Result<std::string> Show() override { return Fingerprint(); }

  // What the kernel holds, as nft text ("" = no table).
  std::string Held() const {
    std::lock_guard<std::recursive_mutex> lock(mutex);
    return kernel ? nft::RenderTable(*kernel) : std::string();
  }
  int Applies() const {
    std::lock_guard<std::recursive_mutex> lock(mutex);
    return applies;
  }

  mutable std::recursive_mutex mutex;
  std::optional<Ruleset> kernel;
  int fail_applies = 0;
  int applies = 0;
  int set_updates = 0;
  int replacements = 0;
};

}  // namespace netwarden::testing
