#pragma once
// The threat-feed plane as an agent::Manager. Desired state: the policy's feeds, the endpoints
// that must stay reachable, and the lists a worker prepared (threats::PrepareFeeds: download,
// parse, merge — never on the loop thread). Apply() brings table `inet netwarden_threats` to it
// on the caller's thread through a threats::ThreatKernel (one diffed set transaction, the rules,
// a read-back of every set's entry count), then writes the cache records. Resync() reads the
// table back and reports it missing or changed; either, a failed commit or a failed read-back
// makes the next Apply a full replacement (every set flushed and refilled in one transaction),
// never a diff against a kernel that holds something else.
//
//   worker:  auto lists = threats::PrepareFeeds(policy.threats, options);   // post to the loop
//   loop:    manager.SetDesired(policy.threats, threats::PolicyEndpoints(effective),
//   std::move(lists)); reconcile: if (manager.dirty()) manager.Apply();   // stays dirty on
//   failure: retry later periodic / on nft notifications: manager.Resync();  // drift -> dirty ->
//   next Apply repairs

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/manager.h"
#include "policy/threats_policy.h"
#include "threats/explain.h"
#include "threats/prepare.h"
#include "threats/threat_kernel.h"
#include "threats/update_plan.h"

namespace netwarden::agent {

struct ThreatManagerOptions {
  std::string cache_directory = "/var/lib/netwarden/threats";
  // Resync counts the elements of sets up to 16 k entries (threats/table_reader.cc: a kernel set
  // dump costs O(n^2), bigger sets are checked by structure only) on every Nth call; the other
  // calls check the table, sets, chains and rules only (well under a millisecond).
  int count_elements_every = 6;
};

// What the last successful Apply did, per feed that had news (a prepared list or record).
struct ThreatApplyReport {
  std::vector<threats::FeedOutcome> feeds;  // `list` left empty: see ThreatManager::enforced()
  threats::BatchStats batch;
  bool full_load = false;
  double kernel_seconds = 0;
  std::string inspect_note;
};

class ThreatManager : public Manager {
 public:
  ThreatManager(std::unique_ptr<threats::ThreatKernel> kernel, ThreatManagerOptions options);

  const char* name() const override { return "threats"; }
  bool dirty() const override { return dirty_; }
  Direction pending_direction() const override;
  Result<void> Apply() override;
  Result<std::vector<Drift>> Resync() override;

  // `prepared` may cover only some feeds (a refresh of the feeds that were due) or none (only the
  // policy or the endpoints changed): the other feeds keep the lists they have. Feeds the policy
  // no longer has are dropped (their sets are deleted by the next Apply).
  void SetDesired(const ThreatPolicy& policy, std::vector<IpNetwork> keep_reachable,
                  threats::PreparedLists prepared);

  // The report of the last successful Apply (its feeds: those that were prepared since the
  // previous one).
  const ThreatApplyReport& last_report() const { return report_; }
  // What the kernel holds now, per feed (merged, the endpoints carved out): for explain and to
  // name the entry in block events (threats::FindCovering).
  const threats::HeldLists& enforced() const { return held_; }
  // The same as explain's FeedLists (a copy).
  threats::FeedLists EnforcedLists() const;
  // True when the next Apply replaces every set instead of a diff.
  bool full_replacement_pending() const { return need_full_ || !held_known_; }

 private:
  struct Pending {
    threats::PreparedFeed feed;  // merged moved to base_
    bool fetched = false;
    int64_t prepared_at = 0;
  };

  void Recompute();
  Direction ComputeDirection() const;

  std::unique_ptr<threats::ThreatKernel> kernel_;
  ThreatManagerOptions options_;

  ThreatPolicy policy_;
  std::vector<IpNetwork> endpoints_;
  // Lists are shared, not copied: a feed that lists none of the endpoints (the usual case) has
  // one list for base_ and desired_ (a million entries are ~24 MB each).
  using SharedList = std::shared_ptr<const std::vector<IpNetwork>>;
  std::map<std::string, SharedList> base_;     // prepared lists, endpoints not carved
  std::map<std::string, SharedList> desired_;  // base_ without the endpoints
  std::map<std::string, threats::FeedOutcome> desired_outcomes_;  // listed endpoints per feed
  std::map<std::string, Pending> pending_;  // records to write after the commit

  std::optional<ThreatPolicy> applied_policy_;
  threats::HeldLists held_;            // what the kernel holds (valid while held_known_)
  bool held_known_ = false;            // false: unknown until read from the cache records, or lost
  bool need_full_ = false;             // a failed commit or read-back, or drift: replace everything
  bool kernel_state_unknown_ = false;  // the table was changed by someone, or a commit failed
  bool table_missing_ = false;         // drift: the table was deleted (the kernel holds nothing)
  int full_failures_ = 0;              // full replacements that failed in a row
  threats::TableSnapshot baseline_;    // the table as read back after the last Apply
  bool dirty_ = false;
  Direction direction_ = Direction::kNone;
  int resyncs_ = 0;
  ThreatApplyReport report_;
};

}  // namespace netwarden::agent
