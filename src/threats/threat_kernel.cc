#include "threats/threat_kernel.h"

#include "threats/threat_ruleset.h"

namespace netwarden::threats {
namespace {

// "f_<feed>_v4" / "_v4n" / "_v6" / "_v6n" -> "<feed>"; "" for anything else.
std::string FeedOfSet(const std::string& set) {
  if (!set.starts_with("f_")) return "";
  for (const char* suffix : {"_v4n", "_v6n", "_v4", "_v6"}) {
    if (set.ends_with(suffix)) return set.substr(2, set.size() - 2 - std::string(suffix).size());
  }
  return "";
}

}  // namespace

std::set<std::string> FeedsInTable(const TableSnapshot& snapshot) {
  std::set<std::string> feeds;
  for (const auto& [set, unused] : snapshot.sets) {
    if (auto feed = FeedOfSet(set); !feed.empty()) feeds.insert(feed);
  }
  for (const auto& chain : snapshot.chains) {
    if (chain.starts_with("a_")) feeds.insert(chain.substr(2));
  }
  return feeds;
}

StaleObjects StaleObjectsIn(const std::vector<std::string>& feeds, const TableSnapshot& present) {
  StaleObjects stale;
  for (const auto& feed : feeds) {
    if (present.chains.count("a_" + feed)) stale.chains.push_back("a_" + feed);
    for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
      for (bool interval : {false, true}) {
        std::string set = SetName(feed, family, interval);
        if (present.sets.count(set)) stale.sets.push_back(set);
      }
    }
  }
  return stale;
}

}  // namespace netwarden::threats
