#pragma once
// One refresh of every feed: fetch (or reuse the last good copy), parse, merge, validate, then
// bring the kernel sets to the new lists in ONE diffed netlink transaction. A feed that fails or
// looks wrong keeps its last good list; nothing is written to the cache before the kernel took it.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "policy/threats_policy.h"
#include "threats/merge.h"
#include "threats/set_batch.h"
#include "threats/validate.h"

namespace netwarden::threats {

struct ApplyOptions {
  std::string cache_directory = "/var/lib/netwarden/threats";
  bool fetch = true;  // false: enforce the last good copies only (boot, before any network)
  ValidationLimits limits;
  long timeout_seconds = 60;
  size_t max_bytes = 256u * 1024 * 1024;
  // Only these feeds are refreshed; the others stay as they are in the kernel and the cache
  // (each feed has its own schedule in the agent). nullopt = every feed.
  std::optional<std::set<std::string>> only_feeds;
  // Hand the merged lists back (the agent keeps them to name the entry in block events).
  bool return_lists = false;
  // Never blocked, whatever a feed says: the policy's own endpoints (threats/endpoints.h).
  std::vector<IpNetwork> keep_reachable;
};

struct FeedOutcome {
  std::string name;
  ThreatAction action = ThreatAction::kBlock;
  size_t entries = 0;       // merged entries now enforced
  size_t added = 0, removed = 0;
  size_t protected_entries = 0;  // entries dropped or split around private/loopback/multicast
  std::vector<ListedEndpoint> listed_endpoints;  // policy endpoints the feed lists (kept reachable)
  int64_t fetched_at = 0;   // age of the enforced copy
  int64_t checked_at = 0;   // this attempt
  std::string result;       // loaded | unchanged | not modified | refused: ... | failed: ...
  bool problem = false;     // refused or failed (the old list stays)
  std::vector<IpNetwork> list;  // the merged list now enforced (only with return_lists)
};

struct ApplyReport {
  std::vector<FeedOutcome> feeds;
  BatchStats batch;
  bool full_load = false;   // the sets were (re)filled from scratch
  double kernel_seconds = 0;
  std::string inspect_note;  // e.g. the inspection interface is missing (fail closed)
};

Result<ApplyReport> ApplyThreats(const ThreatPolicy& threats, const ApplyOptions& options);

// Removes the table inet netwarden_threats and forgets what was applied (last good copies stay).
Result<void> FlushThreats(const std::string& cache_directory);

// True when the table exists (so the .applied records describe the kernel).
Result<bool> ThreatTableExists();

}  // namespace netwarden::threats
