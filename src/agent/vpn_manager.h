#pragma once
// The forced-VPN plane's manager: keeps table `inet netwarden` equal to the compiled ruleset, or
// absent when the policy has no `vpn:` section.

#include <optional>
#include <string>

#include "agent/manager.h"
#include "compiler/ruleset.h"
#include "dataplane/dataplane.h"

namespace netwarden::agent {

class VpnManager final : public Manager {
 public:
  explicit VpnManager(Dataplane& dataplane) : dataplane_(dataplane) {}

  // nullopt: the forced VPN is not part of the policy; its table must not exist.
  void SetDesired(std::optional<Ruleset> ruleset);
  // Apply again although nothing changed: renews elements that expire in the kernel.
  void Renew() { dirty_ = true; }
  // Something outside the comparison found the table wrong (a failed verification): the next
  // Apply replaces it whole.
  void MarkDrifted() {
    dirty_ = true;
    replace_ = true;
  }

  const char* name() const override { return "vpn"; }
  bool dirty() const override { return dirty_; }
  Direction pending_direction() const override;
  Result<void> Apply() override;
  Result<std::vector<Drift>> Resync() override;

  // What the last successful Apply did (for the state event and status).
  const std::optional<ApplyOutcome>& last_outcome() const { return last_outcome_; }
  const std::optional<Ruleset>& applied() const { return applied_; }
  bool installed() const { return installed_; }

 private:
  Dataplane& dataplane_;
  std::optional<Ruleset> desired_;
  std::optional<Ruleset> applied_;
  bool installed_ = false;     // what the kernel held after our last apply
  bool ever_applied_ = false;  // the first apply adopts whatever a previous agent left
  bool dirty_ = true;
  bool replace_ = false;     // drift found: the repair replaces the whole table
  std::string fingerprint_;  // of the kernel's table right after our last apply
  std::optional<ApplyOutcome> last_outcome_;
};

// How a change between two rulesets moves what the forced-VPN table lets through (exposed for
// tests): the same structure with only set elements added to allowing sets loosens, and so on.
Direction CompareRulesets(const std::optional<Ruleset>& before,
                          const std::optional<Ruleset>& after);

}  // namespace netwarden::agent
