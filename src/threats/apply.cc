#include "threats/apply.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <utility>

#include "threats/commit.h"

namespace netwarden::threats {

CacheLock::CacheLock(CacheLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
CacheLock::~CacheLock() {
  if (fd_ >= 0) close(fd_);
}

Result<CacheLock> CacheLock::Acquire(const std::string& directory) {
  std::string path = directory + "/.lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(ErrorCode::kIo, "cannot open " + path);
  if (flock(fd, LOCK_EX) != 0) {
    close(fd);
    return MakeError(ErrorCode::kIo, "cannot lock " + path);
  }
  return CacheLock(fd);
}

Result<bool> ThreatTableExists() { return TableExists(kThreatTable); }

HeldLists ReadHeldLists(const FeedCache& cache, const std::vector<std::string>& feeds) {
  HeldLists held;
  for (const auto& name : feeds) {
    if (auto applied = cache.ReadApplied(name)) held[name] = std::move(*applied);
  }
  return held;
}

Result<ApplyReport> ApplyThreats(const ThreatPolicy& threats, const ApplyOptions& options) {
  auto kernel = MakeNetlinkThreatKernel();
  return ApplyThreats(threats, options, *kernel);
}

Result<ApplyReport> ApplyThreats(const ThreatPolicy& threats, const ApplyOptions& options,
                                 ThreatKernel& kernel) {
  FeedCache cache(options.cache_directory);
  if (auto made = cache.EnsureDirectory(); !made) return made.error();
  // Two refreshes at once (agent and an operator) would diff against the same `.applied` records
  // and each write its own: one at a time.
  auto lock = CacheLock::Acquire(options.cache_directory);
  if (!lock) return lock.error();
  auto existed = kernel.TableExists();
  if (!existed) return existed.error();
  if (threats.feeds.empty() && !*existed) return ApplyReport{};  // no feeds, nothing to remove

  PrepareOptions prepare{options.cache_directory, options.fetch,     options.limits,
                         options.timeout_seconds, options.max_bytes, options.only_feeds};
  PreparedLists prepared = PrepareFeeds(threats, prepare);
  std::vector<std::vector<IpNetwork>> enforced;
  enforced.reserve(prepared.feeds.size());
  std::vector<DesiredFeed> desired;
  std::vector<std::string> names;
  for (auto& feed : prepared.feeds) {
    enforced.push_back(WithoutEndpoints(feed.merged, options.keep_reachable, feed.outcome));
    feed.merged.clear();
    names.push_back(feed.feed.name);
  }
  for (size_t i = 0; i < prepared.feeds.size(); ++i) desired.push_back({names[i], &enforced[i]});

  HeldLists held = ReadHeldLists(cache, names);
  auto committed = CommitToKernel(kernel, threats, desired, &held);
  if (!committed) {
    // The records did not match the kernel (someone edited the sets), or the read-back found
    // something else than what was committed: replace every refreshed feed, still in one
    // transaction, so the sets are never empty in between.
    committed = CommitToKernel(kernel, threats, desired, nullptr);
    if (!committed) return committed.error();
  }

  ApplyReport report;
  report.batch = committed->batch;
  report.full_load = committed->full_load || !*existed;
  report.kernel_seconds = committed->kernel_seconds;
  report.inspect_note = committed->inspect_note;
  // Feeds no longer in the policy: their sets are gone, so are their records.
  for (const auto& name : cache.FeedNames()) {
    bool listed = false;
    for (const auto& feed : threats.feeds) listed |= feed.name == name;
    if (!listed) cache.RemoveApplied(name);
  }
  for (size_t i = 0; i < prepared.feeds.size(); ++i) {
    PreparedFeed& feed = prepared.feeds[i];
    const FeedChange& change = committed->changes[feed.feed.name];
    feed.outcome.added = change.added;
    feed.outcome.removed = change.removed;
    auto recorded = RecordCommitted(cache, feed, enforced[i], prepared.fetched,
                                    report.full_load || change.replaced, prepared.prepared_at);
    if (!recorded) return recorded.error();
    if (options.return_lists) feed.outcome.list = std::move(enforced[i]);
    report.feeds.push_back(std::move(feed.outcome));
  }
  return report;
}

Result<void> FlushThreats(const std::string& cache_directory) {
  auto kernel = MakeNetlinkThreatKernel();
  return FlushThreats(cache_directory, *kernel);
}

Result<void> FlushThreats(const std::string& cache_directory, ThreatKernel& kernel) {
  FeedCache cache(cache_directory);
  for (const auto& name : cache.FeedNames()) cache.RemoveApplied(name);
  if (auto removed = kernel.SetInspectRouting(""); !removed) return removed.error();
  return kernel.DeleteTable();
}

}  // namespace netwarden::threats
