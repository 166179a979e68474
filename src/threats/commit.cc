#include "threats/commit.h"

#include <chrono>

#include "threats/threat_ruleset.h"

namespace netwarden::threats {

Result<void> VerifyTable(const TableSnapshot& snapshot, const ThreatPolicy& threats,
                         const std::map<std::string, const std::vector<IpNetwork>*>& lists) {
  auto wrong = [](const std::string& what) {
    return MakeError(ErrorCode::kVerify, std::string("table inet ") + kThreatTable + ": " + what);
  };
  if (!snapshot.exists) return wrong("missing");
  for (const char* chain : {"output", "forward"}) {
    if (!snapshot.chains.count(chain)) return wrong(std::string("chain ") + chain + " missing");
  }
  for (const auto& feed : threats.feeds) {
    if (!snapshot.chains.count("a_" + feed.name)) return wrong("chain a_" + feed.name + " missing");
    for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
      for (bool interval : {false, true}) {
        const std::string name = SetName(feed.name, family, interval);
        const auto set = snapshot.sets.find(name);
        if (set == snapshot.sets.end()) return wrong("set " + name + " missing");
        if (set->second.interval != interval) return wrong("set " + name + " has the wrong type");
      }
    }
    const auto list = lists.find(feed.name);
    if (list == lists.end() || list->second == nullptr) continue;
    for (const auto& [name, expected] : ExpectedSetEntries(feed.name, *list->second)) {
      const SetSnapshot& set = snapshot.sets.at(name);
      if (set.counted && set.entries != expected) {
        return wrong("set " + name + " holds " + std::to_string(set.entries) + " entries, " +
                     std::to_string(expected) + " were committed");
      }
    }
  }
  return Ok();
}

Result<CommitReport> CommitToKernel(ThreatKernel& kernel, const ThreatPolicy& threats,
                                    const std::vector<DesiredFeed>& desired,
                                    const HeldLists* held) {
  auto existed = kernel.TableExists();
  if (!existed) return existed.error();
  if (auto sets = kernel.EnsureSets(threats); !sets) return sets.error();
  auto before = kernel.Read(/*count_elements=*/false);
  if (!before) return before.error();
  std::vector<std::string> stale;
  for (const auto& feed : FeedsInTable(*before)) {
    bool listed = false;
    for (const auto& wanted : threats.feeds) listed |= wanted.name == feed;
    if (!listed) stale.push_back(feed);
  }

  CommitReport report;
  UpdatePlan plan = PlanUpdate(desired, *existed ? held : nullptr);
  report.changes = plan.changes;
  report.full_load = plan.full;
  const auto started = std::chrono::steady_clock::now();
  if (!plan.updates.empty()) {
    auto committed = kernel.CommitSetUpdates(plan.updates);
    if (!committed) return committed.error();
    report.batch = *committed;
  }
  report.kernel_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (auto rules = kernel.ReplaceRules(threats, StaleObjectsIn(stale, *before)); !rules)
    return rules.error();
  auto routed = kernel.SetInspectRouting(InspectionInterfaceInUse(threats));
  if (!routed) return routed.error();
  report.inspect_note = *routed;

  auto after = kernel.Read(/*count_elements=*/true);
  if (!after) return after.error();
  std::map<std::string, const std::vector<IpNetwork>*> lists;
  for (const auto& feed : desired) lists[feed.name] = feed.merged;
  if (auto verified = VerifyTable(*after, threats, lists); !verified) return verified.error();
  report.after = std::move(*after);
  return report;
}

}  // namespace netwarden::threats
