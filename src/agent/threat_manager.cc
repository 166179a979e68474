#include "agent/threat_manager.h"

#include <algorithm>
#include <set>

#include "threats/apply.h"
#include "threats/commit.h"
#include "threats/feed_cache.h"
#include "threats/merge.h"

namespace netwarden::agent {

ThreatManager::ThreatManager(std::unique_ptr<threats::ThreatKernel> kernel,
                             ThreatManagerOptions options)
    : kernel_(std::move(kernel)), options_(std::move(options)) {}

void ThreatManager::SetDesired(const ThreatPolicy& policy, std::vector<IpNetwork> keep_reachable,
                               threats::PreparedLists prepared) {
  policy_ = policy;
  std::sort(keep_reachable.begin(), keep_reachable.end());
  endpoints_ = std::move(keep_reachable);
  for (auto& feed : prepared.feeds) {
    const std::string name = feed.feed.name;
    base_[name] = std::make_shared<const std::vector<IpNetwork>>(std::move(feed.merged));
    feed.merged.clear();
    pending_[name] = Pending{std::move(feed), prepared.fetched, prepared.prepared_at};
  }
  std::set<std::string> listed;
  for (const auto& feed : policy_.feeds) listed.insert(feed.name);
  std::erase_if(base_, [&](const auto& entry) { return !listed.count(entry.first); });
  std::erase_if(pending_, [&](const auto& entry) { return !listed.count(entry.first); });
  Recompute();
}

void ThreatManager::Recompute() {
  desired_.clear();
  desired_outcomes_.clear();
  for (const auto& feed : policy_.feeds) {
    threats::FeedOutcome& outcome = desired_outcomes_[feed.name];
    const auto base = base_.find(feed.name);
    if (base == base_.end()) {
      desired_[feed.name] = std::make_shared<const std::vector<IpNetwork>>();
    } else if (std::none_of(endpoints_.begin(), endpoints_.end(), [&](const IpNetwork& endpoint) {
                 // The test WithoutEndpoints makes: nothing listed, nothing carved.
                 return threats::FindCovering(*base->second, endpoint.base()) != nullptr;
               })) {
      desired_[feed.name] = base->second;
    } else {
      desired_[feed.name] = std::make_shared<const std::vector<IpNetwork>>(
          threats::WithoutEndpoints(*base->second, endpoints_, outcome));
    }
  }
  bool differs = !applied_policy_ || *applied_policy_ != policy_ || !held_known_ || need_full_ ||
                 !pending_.empty();
  for (const auto& [name, list] : desired_) {
    const auto held = held_.find(name);
    differs |= held == held_.end() || held->second != *list;
  }
  for (const auto& [name, list] : held_) differs |= !desired_.count(name);
  dirty_ = dirty_ || differs;
  direction_ = dirty_ ? ComputeDirection() : Direction::kNone;
}

// Which way the pending change moves what this plane lets through: `block` entries added tighten,
// removed loosen; `log` changes nothing that is allowed; `inspect` re-routes (mixed); an unknown
// kernel state is mixed.
Direction ThreatManager::ComputeDirection() const {
  if (need_full_ && kernel_state_unknown_) return Direction::kMixed;
  const std::vector<ThreatFeed> no_feeds;
  const auto& old_feeds = applied_policy_ ? applied_policy_->feeds : no_feeds;
  if (applied_policy_ &&
      InspectionInterfaceInUse(*applied_policy_) != InspectionInterfaceInUse(policy_)) {
    return Direction::kMixed;
  }
  auto find = [](const std::vector<ThreatFeed>& feeds,
                 const std::string& name) -> const ThreatFeed* {
    for (const auto& feed : feeds) {
      if (feed.name == name) return &feed;
    }
    return nullptr;
  };
  std::set<std::string> names;
  for (const auto& feed : old_feeds) names.insert(feed.name);
  for (const auto& feed : policy_.feeds) names.insert(feed.name);
  const std::vector<IpNetwork> empty;
  bool tightens = false, loosens = false;
  for (const auto& name : names) {
    const ThreatFeed* before = find(old_feeds, name);
    const ThreatFeed* after = find(policy_.feeds, name);
    if (before && after && before->action != after->action) return Direction::kMixed;
    const ThreatAction action = after ? after->action : before->action;
    const auto held = held_.find(name);
    const auto& old_list =
        (before && held_known_ && !table_missing_ && held != held_.end()) ? held->second : empty;
    const auto wanted = desired_.find(name);
    const auto& new_list = (after && wanted != desired_.end()) ? *wanted->second : empty;
    if (old_list == new_list || action == ThreatAction::kLog) continue;
    if (action == ThreatAction::kInspect) return Direction::kMixed;
    const threats::EntryDiff diff = threats::Diff(old_list, new_list);
    tightens |= !diff.added.empty();
    loosens |= !diff.removed.empty();
  }
  if (tightens && loosens) return Direction::kMixed;
  // Equal is a subset too: a change that allows nothing new tightens.
  return loosens ? Direction::kLoosens : Direction::kTightens;
}

Direction ThreatManager::pending_direction() const {
  return dirty_ ? direction_ : Direction::kNone;
}

threats::FeedLists ThreatManager::EnforcedLists() const {
  threats::FeedLists lists;
  for (const auto& [name, list] : held_) lists[name] = {list, true};
  return lists;
}

Result<void> ThreatManager::Apply() {
  auto failed = [this](Error error, bool full) -> Result<void> {
    // Whatever the kernel holds now is not known to be what was planned: the next attempt
    // replaces every set, and a second failed replacement rebuilds the table.
    need_full_ = true;
    kernel_state_unknown_ = true;
    if (full) ++full_failures_;
    dirty_ = true;
    direction_ = ComputeDirection();
    return error;
  };
  threats::FeedCache cache(options_.cache_directory);
  report_ = ThreatApplyReport{};
  if (policy_.feeds.empty()) {
    // No feeds: no table, no routes, no records (and no cache directory made for nothing).
    if (auto routed = kernel_->SetInspectRouting(""); !routed) return failed(routed.error(), false);
    if (auto removed = kernel_->DeleteTable(); !removed) return failed(removed.error(), false);
    for (const auto& name : cache.FeedNames()) cache.RemoveApplied(name);
    held_.clear();
    held_known_ = true;
  } else {
    if (auto made = cache.EnsureDirectory(); !made) return made.error();
    auto lock = threats::CacheLock::Acquire(options_.cache_directory);
    if (!lock) return lock.error();
    std::vector<std::string> names;
    for (const auto& feed : policy_.feeds) names.push_back(feed.name);
    if (!held_known_) {
      // Adoption after a restart: the records say what the kernel holds, if the table is there.
      auto exists = kernel_->TableExists();
      if (!exists) return exists.error();
      held_ = *exists ? threats::ReadHeldLists(cache, names) : threats::HeldLists{};
      held_known_ = true;
    }
    const bool full = need_full_;
    if (full && full_failures_ > 0) {
      // A full replacement failed already: the sets themselves may be wrong (another tool
      // re-created one with another type). Start from an empty table.
      if (auto removed = kernel_->DeleteTable(); !removed) return failed(removed.error(), true);
    }
    std::vector<threats::DesiredFeed> desired;
    for (const auto& name : names) {
      const auto held = held_.find(name);
      const SharedList& wanted = desired_[name];
      if (full || held == held_.end() || held->second != *wanted)
        desired.push_back({name, wanted.get()});
    }
    auto committed = threats::CommitToKernel(*kernel_, policy_, desired, full ? nullptr : &held_);
    if (!committed) return failed(committed.error(), full);

    for (const auto& feed : desired) held_[feed.name] = *feed.merged;
    std::erase_if(held_, [&](const auto& entry) { return !desired_.count(entry.first); });
    for (const auto& name : cache.FeedNames()) {
      if (!desired_.count(name)) cache.RemoveApplied(name);
    }
    report_.batch = committed->batch;
    report_.full_load = committed->full_load;
    report_.kernel_seconds = committed->kernel_seconds;
    report_.inspect_note = committed->inspect_note;
    baseline_ = std::move(committed->after);
    for (auto it = pending_.begin(); it != pending_.end();) {
      threats::PreparedFeed& record = it->second.feed;
      const auto change = committed->changes.find(it->first);
      const threats::FeedOutcome& carved = desired_outcomes_[it->first];
      record.outcome.listed_endpoints = carved.listed_endpoints;
      if (change != committed->changes.end()) {
        record.outcome.added = change->second.added;
        record.outcome.removed = change->second.removed;
      }
      const bool replaced = change != committed->changes.end() && change->second.replaced;
      auto recorded = threats::RecordCommitted(cache, record, held_[it->first], it->second.fetched,
                                               replaced, it->second.prepared_at);
      if (!recorded) {
        // The kernel is right; the records are retried by the next Apply (a no-op diff).
        dirty_ = true;
        return recorded.error();
      }
      report_.feeds.push_back(std::move(record.outcome));
      it = pending_.erase(it);
    }
  }
  if (policy_.feeds.empty()) baseline_ = threats::TableSnapshot{};
  applied_policy_ = policy_;
  need_full_ = false;
  kernel_state_unknown_ = false;
  table_missing_ = false;
  full_failures_ = 0;
  dirty_ = false;
  direction_ = Direction::kNone;
  return Ok();
}

Result<std::vector<Drift>> ThreatManager::Resync() {
  std::vector<Drift> drift;
  const int every = std::max(options_.count_elements_every, 1);
  const bool count = resyncs_++ % every == 0;  // the first call counts
  auto snapshot = kernel_->Read(count);
  if (!snapshot) return snapshot.error();
  if (!applied_policy_) return drift;  // nothing applied yet: the first Apply is pending
  const std::string table = std::string("inet ") + threats::kThreatTable;
  const bool expected = !applied_policy_->feeds.empty();
  if (snapshot->exists != expected) {
    drift.push_back({table, expected ? "missing" : "changed"});
    table_missing_ = expected;
  } else if (expected) {
    bool changed = snapshot->rules != baseline_.rules || snapshot->chains != baseline_.chains ||
                   snapshot->sets.size() != baseline_.sets.size();
    for (const auto& [name, set] : baseline_.sets) {
      const auto found = snapshot->sets.find(name);
      changed |= found == snapshot->sets.end() || found->second.interval != set.interval;
    }
    std::map<std::string, const std::vector<IpNetwork>*> lists;
    for (const auto& [name, list] : held_) lists[name] = &list;
    changed |= !changed && !threats::VerifyTable(*snapshot, *applied_policy_, lists);
    if (changed) {
      drift.push_back({table, "changed"});
      kernel_state_unknown_ = true;
    }
  }
  if (!drift.empty()) {
    need_full_ = true;
    dirty_ = true;
    direction_ = ComputeDirection();
  }
  return drift;
}

}  // namespace netwarden::agent
