#include "threats/update_plan.h"

#include "threats/merge.h"
#include "threats/threat_ruleset.h"

namespace netwarden::threats {
namespace {

struct Part {
  IpFamily family;
  bool interval;
  std::vector<IpNetwork> SplitEntries::*list;
};
constexpr Part kParts[] = {{IpFamily::kV4, false, &SplitEntries::v4_hosts},
                           {IpFamily::kV4, true, &SplitEntries::v4_prefixes},
                           {IpFamily::kV6, false, &SplitEntries::v6_hosts},
                           {IpFamily::kV6, true, &SplitEntries::v6_prefixes}};

}  // namespace

size_t UpdatePlan::operations() const {
  size_t total = 0;
  for (const auto& [name, change] : changes) total += change.added + change.removed;
  return total;
}

UpdatePlan PlanUpdate(const std::vector<DesiredFeed>& desired, const HeldLists* held) {
  UpdatePlan plan;
  plan.full = !desired.empty();
  for (const auto& feed : desired) {
    const auto found = held ? held->find(feed.name) : HeldLists::const_iterator{};
    const bool replace = !held || found == held->end();
    plan.full &= replace;
    FeedChange& change = plan.changes[feed.name];
    change.replaced = replace;
    SplitEntries wanted = Split(*feed.merged);
    SplitEntries before = replace ? SplitEntries{} : Split(found->second);
    for (const Part& part : kParts) {
      SetUpdate update;
      update.set = SetName(feed.name, part.family, part.interval);
      update.interval = part.interval;
      if (replace) {
        update.flush = true;
        update.add = std::move(wanted.*part.list);
      } else {
        EntryDiff diff = Diff(before.*part.list, wanted.*part.list);
        update.add = std::move(diff.added);
        update.remove = std::move(diff.removed);
      }
      change.added += update.add.size();
      change.removed += update.remove.size();
      if (update.flush || !update.add.empty() || !update.remove.empty()) {
        plan.updates.push_back(std::move(update));
      }
    }
  }
  return plan;
}

std::map<std::string, size_t> ExpectedSetEntries(const std::string& feed,
                                                 const std::vector<IpNetwork>& merged) {
  SplitEntries split = Split(merged);
  std::map<std::string, size_t> expected;
  for (const Part& part : kParts)
    expected[SetName(feed, part.family, part.interval)] = (split.*part.list).size();
  return expected;
}

}  // namespace netwarden::threats
