#include "agent/vpn_manager.h"

#include <algorithm>
#include <set>

#include "compiler/set_names.h"
#include "dataplane/nft/nft_renderer.h"

namespace netwarden::agent {
namespace {

// Sets whose elements take something away (the input guard drops packets to tunnel addresses
// that arrive by another interface); every other set of the forced-VPN table lets something out.
bool IsDenyingSet(const std::string& name) {
  return name.rfind(set_name::kTunnelAddresses, 0) == 0;
}

std::string ElementKey(const SetElement& element) {
  return element.interface + "|" + element.network.ToString() + "|" +
         std::to_string(static_cast<int>(element.protocol)) + "|" + std::to_string(element.port) +
         "|" + std::to_string(element.uid);
}

std::set<std::string> Keys(const NamedSet& set) {
  std::set<std::string> keys;
  for (const auto& element : set.elements) keys.insert(ElementKey(element));
  return keys;
}

}  // namespace

Direction CompareRulesets(const std::optional<Ruleset>& before,
                          const std::optional<Ruleset>& after) {
  if (!before && !after) return Direction::kNone;
  if (!before) return Direction::kTightens;  // no table lets everything through
  if (!after) return Direction::kLoosens;
  if (nft::TableComment(*before) != nft::TableComment(*after)) return Direction::kMixed;
  bool loosens = false, tightens = false;
  for (const auto& new_set : after->sets) {
    const auto old_set = std::find_if(before->sets.begin(), before->sets.end(),
                                      [&](const NamedSet& s) { return s.name == new_set.name; });
    if (old_set == before->sets.end()) return Direction::kMixed;
    const auto old_keys = Keys(*old_set), new_keys = Keys(new_set);
    const bool added = std::any_of(new_keys.begin(), new_keys.end(),
                                   [&](const std::string& k) { return !old_keys.count(k); });
    const bool removed = std::any_of(old_keys.begin(), old_keys.end(),
                                     [&](const std::string& k) { return !new_keys.count(k); });
    const bool denying = IsDenyingSet(new_set.name);
    if (added) (denying ? tightens : loosens) = true;
    if (removed) (denying ? loosens : tightens) = true;
  }
  if (loosens && tightens) return Direction::kMixed;
  if (loosens) return Direction::kLoosens;
  if (tightens) return Direction::kTightens;
  return Direction::kNone;
}

void VpnManager::SetDesired(std::optional<Ruleset> ruleset) {
  const bool same = ruleset.has_value() == desired_.has_value() &&
                    (!ruleset || (nft::TableComment(*ruleset) == nft::TableComment(*desired_) &&
                                  CompareRulesets(desired_, ruleset) == Direction::kNone));
  desired_ = std::move(ruleset);
  if (!same || !ever_applied_) dirty_ = true;
}

Direction VpnManager::pending_direction() const {
  if (!dirty_) return Direction::kNone;
  if (!ever_applied_) return Direction::kMixed;  // unknown: whatever a previous agent left
  return CompareRulesets(installed_ ? applied_ : std::nullopt, desired_);
}

Result<void> VpnManager::Apply() {
  if (desired_) {
    auto outcome = replace_ ? dataplane_.Replace(*desired_) : dataplane_.Apply(*desired_);
    if (!outcome) return outcome.error();
    last_outcome_ = *outcome;
    installed_ = true;
  } else {
    if (auto removed = dataplane_.Remove(); !removed) return removed.error();
    last_outcome_.reset();
    installed_ = false;
  }
  applied_ = desired_;
  ever_applied_ = true;
  replace_ = false;
  auto fingerprint = dataplane_.Fingerprint();
  fingerprint_ = fingerprint ? *fingerprint : std::string("(unreadable)");
  dirty_ = false;
  return Ok();
}

Result<std::vector<Drift>> VpnManager::Resync() {
  std::vector<Drift> drift;
  if (!ever_applied_) return drift;  // nothing of ours to compare with yet
  auto fingerprint = dataplane_.Fingerprint();
  if (!fingerprint) return fingerprint.error();
  if (*fingerprint != fingerprint_) {
    if (installed_ && fingerprint->empty()) {
      drift.push_back({"inet netwarden", "missing"});
    } else {
      // Also a table that appeared while the policy has no `vpn:` (someone else's, or an old
      // agent's): ours to remove.
      drift.push_back({"inet netwarden", "changed"});
    }
    dirty_ = true;
    replace_ = true;
  }
  return drift;
}

}  // namespace netwarden::agent
