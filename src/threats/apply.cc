#include "threats/apply.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

#include "dataplane/nft/nft_runner.h"
#include "threats/feed_cache.h"
#include "threats/feed_parser.h"
#include "threats/fetch.h"
#include "threats/inspect_route.h"
#include "threats/merge.h"
#include "threats/threat_ruleset.h"

namespace netwarden::threats {
namespace {

struct FeedWork {
  const ThreatFeed* feed = nullptr;
  FeedOutcome outcome;
  FeedMeta meta;
  std::optional<std::string> new_text;   // a validated new download to store after commit
  std::vector<IpNetwork> merged;         // what the kernel should hold
  std::optional<std::vector<IpNetwork>> applied;  // what it holds now (if known)
};

// Private ranges and the policy's endpoints carved out, then merged; says which endpoints the
// feed lists.
std::vector<IpNetwork> CarveAndMerge(std::vector<IpNetwork> entries, const ApplyOptions& options,
                                     FeedOutcome& outcome) {
  outcome.listed_endpoints = ListedEndpoints(entries, options.keep_reachable);
  outcome.protected_entries = CarveOutProtected(entries, options.keep_reachable);
  return MergeEntries(std::move(entries));
}

// Decides which text the feed enforces now, filling the outcome.
void Prepare(FeedWork& work, const FeedCache& cache, const ApplyOptions& options, int64_t now) {
  const ThreatFeed& feed = *work.feed;
  const FeedFormat format = ParseFeedFormat(feed.format).value_or(FeedFormat::kAuto);
  work.outcome.name = feed.name;
  work.outcome.action = feed.action;
  work.meta = cache.ReadMeta(feed.name).value_or(FeedMeta{});
  auto last_good = cache.ReadFeed(feed.name);
  if (work.meta.url != feed.url) {  // a new source: its validators mean nothing
    work.meta.etag.clear();
    work.meta.last_modified.clear();
  }
  work.meta.url = feed.url;
  // Enforcing the disk copy (boot, agent start) is not an attempt: the schedule and status keep
  // the last real download attempt.
  if (options.fetch) work.meta.checked_at = now;
  work.outcome.checked_at = work.meta.checked_at;
  work.outcome.fetched_at = work.meta.fetched_at;

  std::string result = last_good ? "last good copy" : "no copy yet";
  if (options.fetch) {
    FetchRequest request{feed.url, last_good ? work.meta.etag : "",
                         last_good ? work.meta.last_modified : "", options.timeout_seconds, 15,
                         options.max_bytes};
    auto response = Fetch(request);
    if (!response) {
      result = "failed: " + response.error().message;
      work.outcome.problem = true;
    } else if (response->not_modified) {
      result = "not modified";
    } else {
      ParsedFeed parsed = ParseFeed(response->body, format, feed.column);
      std::vector<IpNetwork> merged = CarveAndMerge(std::move(parsed.entries), options, work.outcome);
      auto valid = ValidateFeed(response->body, parsed, merged.size(),
                                last_good ? std::optional<size_t>(work.meta.entries) : std::nullopt,
                                options.limits);
      if (!valid) {
        result = "refused: " + valid.error().message;
        work.outcome.problem = true;
      } else {
        work.merged = std::move(merged);
        work.new_text = std::move(response->body);
        work.meta.etag = response->etag;
        work.meta.last_modified = response->last_modified;
        work.outcome.fetched_at = now;
        result = "loaded";
      }
    }
  }
  if (!work.new_text) {
    if (last_good) {
      work.merged = CarveAndMerge(ParseFeed(*last_good, format, feed.column).entries, options, work.outcome);
    }
    if (work.outcome.problem && last_good) result += " (last good list kept)";
    if (work.outcome.problem && !last_good) result += " (nothing to enforce yet)";
  }
  work.outcome.result = result;
}

void AddSetUpdates(FeedWork& work, bool full, std::vector<SetUpdate>& updates) {
  SplitEntries wanted = Split(work.merged);
  SplitEntries before = (!full && work.applied) ? Split(*work.applied) : SplitEntries{};
  struct Part {
    IpFamily family;
    bool interval;
    std::vector<IpNetwork>* now;
    std::vector<IpNetwork>* old;
  } parts[] = {{IpFamily::kV4, false, &wanted.v4_hosts, &before.v4_hosts},
               {IpFamily::kV4, true, &wanted.v4_prefixes, &before.v4_prefixes},
               {IpFamily::kV6, false, &wanted.v6_hosts, &before.v6_hosts},
               {IpFamily::kV6, true, &wanted.v6_prefixes, &before.v6_prefixes}};
  for (auto& part : parts) {
    SetUpdate update;
    update.set = SetName(work.feed->name, part.family, part.interval);
    update.interval = part.interval;
    if (full || !work.applied) {
      update.flush = true;
      update.add = std::move(*part.now);
    } else {
      EntryDiff diff = Diff(*part.old, *part.now);
      update.add = std::move(diff.added);
      update.remove = std::move(diff.removed);
    }
    work.outcome.added += update.add.size();
    work.outcome.removed += update.remove.size();
    if (update.flush || !update.add.empty() || !update.remove.empty()) {
      updates.push_back(std::move(update));
    }
  }
}

// Held until the returned descriptor is closed.
class CacheLock {
 public:
  explicit CacheLock(int fd) : fd_(fd) {}
  CacheLock(CacheLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  CacheLock(const CacheLock&) = delete;
  CacheLock& operator=(const CacheLock&) = delete;
  CacheLock& operator=(CacheLock&&) = delete;
  ~CacheLock() {
    if (fd_ >= 0) close(fd_);
  }

 private:
  int fd_;
};

Result<CacheLock> LockCache(const std::string& directory) {
  std::string path = directory + "/.lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(ErrorCode::kIo, "cannot open " + path);
  if (flock(fd, LOCK_EX) != 0) {
    close(fd);
    return MakeError(ErrorCode::kIo, "cannot lock " + path);
  }
  return CacheLock(fd);
}

}  // namespace

Result<bool> ThreatTableExists() { return TableExists(kThreatTable); }

Result<ApplyReport> ApplyThreats(const ThreatPolicy& threats, const ApplyOptions& options) {
  FeedCache cache(options.cache_directory);
  if (auto made = cache.EnsureDirectory(); !made) return made.error();
  // Two refreshes at once (agent and an operator) would diff against the same `.applied` records
  // and each write its own: one at a time.
  auto lock = LockCache(options.cache_directory);
  if (!lock) return lock.error();
  auto existed = ThreatTableExists();
  if (!existed) return existed.error();
  if (threats.feeds.empty() && !*existed) return ApplyReport{};  // no feeds, nothing to remove
  const int64_t now = static_cast<int64_t>(time(nullptr));

  std::vector<FeedWork> works;
  for (const auto& feed : threats.feeds) {
    if (options.only_feeds && !options.only_feeds->count(feed.name)) continue;
    FeedWork& work = works.emplace_back();
    work.feed = &feed;
    Prepare(work, cache, options, now);
    if (*existed) work.applied = cache.ReadApplied(feed.name);
  }
  std::vector<std::string> stale;
  if (*existed) {
    for (const auto& name : cache.FeedNames()) {
      bool listed = false;
      for (const auto& feed : threats.feeds) listed |= feed.name == name;
      if (!listed && cache.ReadApplied(name)) stale.push_back(name);
    }
  }

  auto runner = nft::MakeLibnftablesRunner();
  if (auto sets = runner->Run(RenderSetsScript(threats), false); !sets) return sets.error();

  ApplyReport report;
  auto started = std::chrono::steady_clock::now();
  std::vector<SetUpdate> updates;
  for (auto& work : works) AddSetUpdates(work, /*full=*/false, updates);
  report.full_load = !*existed;
  Result<BatchStats> committed = BatchStats{};
  if (!updates.empty()) committed = CommitSetUpdates(kThreatTable, updates);
  if (!committed) {
    // The records did not match the kernel (someone edited the sets): replace everything, still
    // in one transaction, so the sets are never empty in between.
    updates.clear();
    for (auto& work : works) {
      work.outcome.added = work.outcome.removed = 0;
      AddSetUpdates(work, /*full=*/true, updates);
    }
    report.full_load = true;
    committed = CommitSetUpdates(kThreatTable, updates);
    if (!committed) return committed.error();
  }
  report.batch = *committed;
  report.kernel_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (auto rules = runner->Run(RenderRulesScript(threats, stale), false); !rules) return rules.error();
  for (const auto& name : stale) cache.RemoveApplied(name);
  bool inspect = false;
  for (const auto& feed : threats.feeds) inspect |= feed.action == ThreatAction::kInspect;
  if (inspect) {
    auto routed = InstallInspectRouting(threats.inspection_interface, kInspectMark);
    if (!routed) return routed.error();
    report.inspect_note = *routed;
  } else if (auto removed = RemoveInspectRouting(kInspectMark); !removed) {
    return removed.error();
  }

  for (auto& work : works) {
    if (work.new_text) {
      if (auto written = cache.WriteFeed(work.feed->name, *work.new_text); !written) return written.error();
      work.meta.fetched_at = now;
      if (work.applied && work.outcome.added == 0 && work.outcome.removed == 0 && !report.full_load) {
        work.outcome.result = "unchanged";
      }
    }
    if (work.new_text || !work.outcome.problem || work.meta.entries == 0) {
      work.meta.entries = work.merged.size();
    }
    if (options.fetch || work.meta.result.empty()) work.meta.result = work.outcome.result;
    work.outcome.entries = work.merged.size();
    if (auto written = cache.WriteApplied(work.feed->name, work.merged); !written) return written.error();
    if (auto written = cache.WriteMeta(work.feed->name, work.meta); !written) return written.error();
    if (options.return_lists) work.outcome.list = std::move(work.merged);
    report.feeds.push_back(std::move(work.outcome));
  }
  return report;
}

Result<void> FlushThreats(const std::string& cache_directory) {
  FeedCache cache(cache_directory);
  for (const auto& name : cache.FeedNames()) cache.RemoveApplied(name);
  if (auto removed = RemoveInspectRouting(kInspectMark); !removed) return removed.error();
  auto exists = ThreatTableExists();
  if (!exists) return exists.error();
  if (!*exists) return Ok();
  auto removed = nft::MakeLibnftablesRunner()->Run(std::string("delete table inet ") + kThreatTable, false);
  if (!removed) return removed.error();
  return Ok();
}

}  // namespace netwarden::threats
