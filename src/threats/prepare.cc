#include "threats/prepare.h"

#include <ctime>

#include "threats/feed_parser.h"
#include "threats/fetch.h"

namespace netwarden::threats {
namespace {

EntryLimits LimitsOf(const ThreatFeed& feed) { return {feed.min_prefix_v4, feed.min_prefix_v6}; }

// A new download: parsed (at most max_entries kept), cleaned, validated, checked against the cap
// on all feeds together. Returns the list, or why it is refused.
Result<std::vector<IpNetwork>> Admit(const ThreatFeed& feed, FeedFormat format,
                                     const std::string& body, const FeedMeta& meta,
                                     bool have_last_good, const PrepareOptions& options,
                                     size_t total, FeedOutcome& outcome, ShrinkVerdict& shrink) {
  ParsedFeed parsed = ParseFeed(body, format, feed.column, feed.max_entries);
  std::vector<IpNetwork> merged;
  if (parsed.error.empty()) {
    auto cleaned =
        CleanEntries(std::move(parsed.entries), LimitsOf(feed), outcome.protected_entries);
    if (!cleaned) return cleaned.error();
    merged = std::move(*cleaned);
  }
  auto valid = ValidateFeed(body, parsed, merged.size(), std::nullopt, options.limits);
  if (!valid) return valid.error();
  // Shrinks are judged against the largest list accepted since the last confirmed shrink.
  const size_t reference = have_last_good ? std::max(meta.reference_entries, meta.entries) : 0;
  shrink = CheckShrink(merged.size(), reference, meta.shrink_refusals, options.limits);
  if (!shrink.accept) return MakeError(ErrorCode::kVerify, shrink.reason);
  if (total + merged.size() > options.limits.max_total_entries) {
    return MakeError(ErrorCode::kVerify, "the feeds together would list more than " +
                                             std::to_string(options.limits.max_total_entries) +
                                             " entries");
  }
  return merged;
}

// `total`: entries of the feeds prepared before this one (the cap is on all of them together).
void Prepare(PreparedFeed& work, const FeedCache& cache, const PrepareOptions& options, int64_t now,
             size_t& total) {
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
  if (options.fetch) {
    work.meta.checked_at = now;
    // On disk before the download is parsed: if parsing it crashes the agent, the restarted one
    // sees a recent attempt and waits a full refresh interval instead of repeating it at once.
    FeedMeta attempt = work.meta;
    attempt.result = "interrupted: the attempt at " + std::to_string(now) + " did not finish";
    (void)cache.WriteMeta(feed.name, attempt);
  }
  work.outcome.checked_at = work.meta.checked_at;
  work.outcome.fetched_at = work.meta.fetched_at;

  std::string result = last_good ? "last good copy" : "no copy yet";
  if (options.fetch) {
    FetchRequest request{feed.url,
                         last_good ? work.meta.etag : "",
                         last_good ? work.meta.last_modified : "",
                         options.timeout_seconds,
                         15,
                         options.max_bytes,
                         feed.ca_file};
    ShrinkVerdict shrink;
    auto response = Fetch(request);
    if (!response) {
      result = "failed: " + response.error().message;
      work.outcome.problem = true;
    } else if (response->not_modified) {
      result = "not modified";
    } else if (auto admitted = Admit(feed, format, response->body, work.meta, last_good.has_value(),
                                     options, total, work.outcome, shrink);
               !admitted) {
      result = "refused: " + admitted.error().message;
      work.outcome.problem = true;
      if (!shrink.accept) work.meta.shrink_refusals = shrink.refusals_in_a_row;
    } else {
      work.meta.reference_entries = shrink.reference;
      work.meta.shrink_refusals = shrink.refusals_in_a_row;
      work.merged = std::move(*admitted);
      work.new_text = std::move(response->body);
      work.meta.etag = response->etag;
      work.meta.last_modified = response->last_modified;
      work.outcome.fetched_at = now;
      result = shrink.confirmed ? "loaded (a shrink confirmed by " +
                                      std::to_string(options.limits.shrink_confirmations) +
                                      " downloads in a row)"
                                : "loaded";
    }
  }
  if (!work.new_text && last_good) {
    work.outcome.protected_entries = 0;
    auto cleaned =
        CleanEntries(ParseFeed(*last_good, format, feed.column, feed.max_entries).entries,
                     LimitsOf(feed), work.outcome.protected_entries);
    if (cleaned) {
      work.merged = std::move(*cleaned);
      if (work.outcome.problem) result += " (last good list kept)";
    } else {
      // A copy kept by an older version that did not check this: refused now, not enforced.
      result = "refused: the last good copy: " + cleaned.error().message;
      work.outcome.problem = true;
    }
  } else if (!work.new_text && work.outcome.problem) {
    result += " (nothing to enforce yet)";
  }
  work.outcome.result = result;
  total += work.merged.size();
}

}  // namespace

PreparedLists PrepareFeeds(const ThreatPolicy& threats, const PrepareOptions& options) {
  FeedCache cache(options.cache_directory);
  (void)cache.EnsureDirectory();  // if it cannot be made, reads fail: no copies, nothing recorded
  PreparedLists lists;
  size_t total = 0;
  lists.fetched = options.fetch;
  lists.prepared_at = static_cast<int64_t>(time(nullptr));
  for (const auto& feed : threats.feeds) {
    if (options.only_feeds && !options.only_feeds->count(feed.name)) continue;
    PreparedFeed& work = lists.feeds.emplace_back();
    work.feed = feed;
    Prepare(work, cache, options, lists.prepared_at, total);
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
