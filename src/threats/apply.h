#pragma once
// `netwarden threats apply`: one refresh of every feed, start to end on the caller's thread —
// PrepareFeeds (fetch or reuse the last good copy, parse, merge, validate), then CommitToKernel
// (ONE diffed netlink transaction, rules, read-back), then the cache records. A feed that fails
// or looks wrong keeps its last good list; nothing is written to the cache before the kernel
// took it. The agent runs the same steps split between a worker and agent::ThreatManager.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "policy/threats_policy.h"
#include "threats/merge.h"
#include "threats/prepare.h"
#include "threats/set_batch.h"
#include "threats/threat_kernel.h"
#include "threats/update_plan.h"
#include "threats/validate.h"

namespace netwarden::threats {

struct ApplyOptions {
  std::string cache_directory = "/var/lib/netwarden/threats";
  bool fetch = true;  // false: enforce the last good copies only (boot, before any network)
  ValidationLimits limits;
  long timeout_seconds = 60;
  size_t max_bytes = 64u * 1024 * 1024;
  // Only these feeds are refreshed; the others stay as they are in the kernel and the cache
  // (each feed has its own schedule in the agent). nullopt = every feed.
  std::optional<std::set<std::string>> only_feeds;
  // Hand the merged lists back (the agent keeps them to name the entry in block events).
  bool return_lists = false;
  // Never blocked, whatever a feed says: the policy's own endpoints (threats/endpoints.h).
  std::vector<IpNetwork> keep_reachable;
};

struct ApplyReport {
  std::vector<FeedOutcome> feeds;
  BatchStats batch;
  bool full_load = false;  // the sets were (re)filled from scratch
  double kernel_seconds = 0;
  std::string inspect_note;  // e.g. the inspection interface is missing (fail closed)
};

Result<ApplyReport> ApplyThreats(const ThreatPolicy& threats, const ApplyOptions& options);
// The same against any kernel (tests pass a fake).
Result<ApplyReport> ApplyThreats(const ThreatPolicy& threats, const ApplyOptions& options,
                                 ThreatKernel& kernel);

// The refresh's records of what the kernel holds (`.applied`), for the feeds that have one.
HeldLists ReadHeldLists(const FeedCache& cache, const std::vector<std::string>& feeds);

// Removes the table inet netwarden_threats and forgets what was applied (last good copies stay).
Result<void> FlushThreats(const std::string& cache_directory);
Result<void> FlushThreats(const std::string& cache_directory, ThreatKernel& kernel);

// One refresh at a time per cache directory (agent and operator): held until destroyed.
class CacheLock {
 public:
  static Result<CacheLock> Acquire(const std::string& directory);
  CacheLock(CacheLock&& other) noexcept;
  CacheLock(const CacheLock&) = delete;
  CacheLock& operator=(const CacheLock&) = delete;
  CacheLock& operator=(CacheLock&&) = delete;
  ~CacheLock();

 private:
  explicit CacheLock(int fd) : fd_(fd) {}
  int fd_;
};

// True when the table exists (so the .applied records describe the kernel).
Result<bool> ThreatTableExists();

}  // namespace netwarden::threats
