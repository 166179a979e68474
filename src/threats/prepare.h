#pragma once
// The fetcher: for each feed, download (conditional GET, size limit) or reuse the last good copy,
// then parse, carve the protected ranges out, merge and validate. No kernel: the agent runs this
// on a worker thread and hands the result to its ThreatManager; `threats apply` runs it inline.
// Nothing is written to the cache as "good" here (that happens after the kernel took the lists:
// RecordCommitted).

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/ip.h"
#include "policy/threats_policy.h"
#include "threats/feed_cache.h"
#include "threats/merge.h"
#include "threats/validate.h"

namespace netwarden::threats {

struct PrepareOptions {
  std::string cache_directory = "/var/lib/netwarden/threats";
  bool fetch = true;  // false: the last good copies only (boot, before any network)
  ValidationLimits limits;
  long timeout_seconds = 60;
  size_t max_bytes = 64u * 1024 * 1024;  // a 1.9 M-entry FireHOL list is ~30 MiB
  // Only these feeds; nullopt = every feed of the policy.
  std::optional<std::set<std::string>> only_feeds;
};

struct FeedOutcome {
  std::string name;
  ThreatAction action = ThreatAction::kBlock;
  size_t entries = 0;  // merged entries now enforced
  size_t added = 0, removed = 0;
  size_t protected_entries = 0;  // entries dropped or split around private/loopback/multicast
  std::vector<ListedEndpoint> listed_endpoints;  // policy endpoints the feed lists (kept reachable)
  int64_t fetched_at = 0;                        // age of the enforced copy
  int64_t checked_at = 0;                        // this attempt
  std::string result;           // loaded | unchanged | not modified | refused: ... | failed: ...
  bool problem = false;         // refused or failed (the old list stays)
  std::vector<IpNetwork> list;  // the merged list now enforced (only with return_lists)
};

struct PreparedFeed {
  ThreatFeed feed;
  FeedOutcome outcome;
  FeedMeta meta;                        // written after the kernel took the list
  std::optional<std::string> new_text;  // a validated new download, stored after the commit
  std::vector<IpNetwork> merged;  // protected ranges carved out; the policy's endpoints not yet
};

struct PreparedLists {
  std::vector<PreparedFeed> feeds;  // in policy order
  bool fetched = false;             // downloads were attempted (else disk copies only)
  int64_t prepared_at = 0;
};

// Reads the cache directory (which must exist); network only when `options.fetch`.
PreparedLists PrepareFeeds(const ThreatPolicy& threats, const PrepareOptions& options);

// `merged` without the policy's own endpoints (they stay reachable whatever a feed says); fills
// the outcome's listed endpoints and adds to its protected count.
std::vector<IpNetwork> WithoutEndpoints(const std::vector<IpNetwork>& merged,
                                        const std::vector<IpNetwork>& endpoints,
                                        FeedOutcome& outcome);

// After the kernel took `enforced` for this feed: the new download, the meta and the `.applied`
// record are written, and the outcome completed.
Result<void> RecordCommitted(const FeedCache& cache, PreparedFeed& feed,
                             const std::vector<IpNetwork>& enforced, bool fetched, bool full_load,
                             int64_t now);

}  // namespace netwarden::threats
