#include "threats/explain.h"

#include "threats/feed_cache.h"
#include "threats/feed_parser.h"
#include "threats/merge.h"

namespace netwarden::threats {

std::vector<FeedMatch> ExplainAddress(const std::string& cache_directory, const IpAddress& address) {
  FeedCache cache(cache_directory);
  std::vector<FeedMatch> matches;
  for (const auto& name : cache.FeedNames()) {
    bool enforced = true;
    auto merged = cache.ReadApplied(name);
    if (!merged) {
      enforced = false;
      auto text = cache.ReadFeed(name);
      if (!text) continue;
      merged = MergeEntries(ParseFeed(*text, FeedFormat::kAuto).entries);
    }
    if (const IpNetwork* entry = FindCovering(*merged, address)) {
      matches.push_back({name, *entry, enforced});
    }
  }
  return matches;
}

}  // namespace netwarden::threats
