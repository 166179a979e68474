#include "threats/prepare.h"

#include <ctime>

#include "threats/feed_parser.h"
#include "threats/fetch.h"

namespace netwarden::threats {
namespace {

std::vector<IpNetwork> CarveAndMerge(std::vector<IpNetwork> entries, FeedOutcome& outcome) {
  outcome.protected_entries = CarveOutProtected(entries);
  return MergeEntries(std::move(entries));
}

void Prepare(PreparedFeed& work, const FeedCache& cache, const PrepareOptions& options,
             int64_t now) {
  const ThreatFeed& feed = work.feed;
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
    FetchRequest request{feed.url,
                         last_good ? work.meta.etag : "",
                         last_good ? work.meta.last_modified : "",
                         options.timeout_seconds,
                         15,
                         options.max_bytes};
    auto response = Fetch(request);
    if (!response) {
      result = "failed: " + response.error().message;
      work.outcome.problem = true;
    } else if (response->not_modified) {
      result = "not modified";
    } else {
      ParsedFeed parsed = ParseFeed(response->body, format, feed.column);
      std::vector<IpNetwork> merged = CarveAndMerge(std::move(parsed.entries), work.outcome);
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
    if (last_good)
      work.merged = CarveAndMerge(ParseFeed(*last_good, format, feed.column).entries, work.outcome);
    if (work.outcome.problem && last_good) result += " (last good list kept)";
    if (work.outcome.problem && !last_good) result += " (nothing to enforce yet)";
  }
  work.outcome.result = result;
}

}  // namespace

PreparedLists PrepareFeeds(const ThreatPolicy& threats, const PrepareOptions& options) {
  FeedCache cache(options.cache_directory);
  PreparedLists lists;
  lists.fetched = options.fetch;
  lists.prepared_at = static_cast<int64_t>(time(nullptr));
  for (const auto& feed : threats.feeds) {
    if (options.only_feeds && !options.only_feeds->count(feed.name)) continue;
    PreparedFeed& work = lists.feeds.emplace_back();
    work.feed = feed;
    Prepare(work, cache, options, lists.prepared_at);
  }
  return lists;
}

std::vector<IpNetwork> WithoutEndpoints(const std::vector<IpNetwork>& merged,
                                        const std::vector<IpNetwork>& endpoints,
                                        FeedOutcome& outcome) {
  outcome.listed_endpoints.clear();
  for (const auto& endpoint : endpoints) {
    // Merged entries never overlap: the one covering the endpoint's address is the only candidate.
    if (const IpNetwork* entry = FindCovering(merged, endpoint.base())) {
      outcome.listed_endpoints.push_back({endpoint, *entry});
    }
  }
  if (outcome.listed_endpoints.empty()) return merged;
  std::vector<IpNetwork> kept = merged;
  outcome.protected_entries += CarveOutOf(kept, endpoints);
  return kept;
}

Result<void> RecordCommitted(const FeedCache& cache, PreparedFeed& work,
                             const std::vector<IpNetwork>& enforced, bool fetched, bool full_load,
                             int64_t now) {
  const bool downloaded = work.new_text.has_value();
  if (downloaded) {
    if (auto written = cache.WriteFeed(work.feed.name, *work.new_text); !written)
      return written.error();
    work.new_text.reset();
    work.meta.fetched_at = now;
    if (work.outcome.added == 0 && work.outcome.removed == 0 && !full_load)
      work.outcome.result = "unchanged";
  }
  if (downloaded || !work.outcome.problem || work.meta.entries == 0) {
    work.meta.entries = enforced.size();
  }
  if (fetched || work.meta.result.empty()) work.meta.result = work.outcome.result;
  work.outcome.entries = enforced.size();
  if (auto written = cache.WriteApplied(work.feed.name, enforced); !written) return written.error();
  if (auto written = cache.WriteMeta(work.feed.name, work.meta); !written) return written.error();
  return Ok();
}

}  // namespace netwarden::threats
