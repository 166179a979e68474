#pragma once
// An in-memory ThreatKernel with the kernel's transaction rules (a set update to a missing set
// or a delete of a missing element aborts the whole transaction, nothing applied) and faults to
// inject: failing commits, a commit that silently loses elements (caught by the read-back), a
// table deleted or a rule changed behind the manager's back.

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "threats/threat_kernel.h"
#include "threats/threat_ruleset.h"

namespace netwarden::threats {

class FakeThreatKernel : public ThreatKernel {
 public:
  struct Set {
    bool interval = false;
    std::set<IpNetwork> elements;
  };
  struct State {
    bool table = false;
    std::map<std::string, Set> sets;
    std::set<std::string> chains;
    std::string rules;
    std::string inspect_interface;
  };

  State state;
  int fail_commits = 0;      // the next N CommitSetUpdates fail (nothing applied)
  int lose_one_element = 0;  // the next N commits "succeed" but drop one added element
  int commits = 0, full_flushes = 0, deletes = 0;
  size_t last_commit_elements = 0;

  Result<bool> TableExists() override { return state.table; }

  Result<void> EnsureSets(const ThreatPolicy& threats) override {
    state.table = true;
    for (const auto& feed : threats.feeds) {
      for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
        for (bool interval : {false, true}) {
          auto [it, added] = state.sets.try_emplace(SetName(feed.name, family, interval));
          if (added) it->second.interval = interval;
          if (it->second.interval != interval) return MakeError(ErrorCode::kKernel, "File exists");
        }
      }
    }
    return Ok();
  }

  Result<BatchStats> CommitSetUpdates(const std::vector<SetUpdate>& updates) override {
    ++commits;
    if (fail_commits > 0) {
      --fail_commits;
      return MakeError(ErrorCode::kKernel, "injected: the kernel refused the set transaction");
    }
    std::map<std::string, Set> sets = state.sets;
    BatchStats stats;
    for (const auto& update : updates) {
      auto found = sets.find(update.set);
      if (found == sets.end()) return MakeError(ErrorCode::kKernel, "No such file or directory");
      if (update.flush) {
        found->second.elements.clear();
        ++full_flushes;
      }
      for (const auto& entry : update.remove) {
        if (!found->second.elements.erase(entry))
          return MakeError(ErrorCode::kKernel, "No such file or directory");
      }
      for (const auto& entry : update.add) found->second.elements.insert(entry);
      stats.elements += update.add.size() + update.remove.size();
      if (lose_one_element > 0 && !update.add.empty()) {
        --lose_one_element;
        found->second.elements.erase(update.add.back());
      }
    }
    state.sets = std::move(sets);
    last_commit_elements = stats.elements;
    return stats;
  }

  Result<void> ReplaceRules(const ThreatPolicy& threats, const StaleObjects& stale) override {
    if (!state.table) return MakeError(ErrorCode::kKernel, "No such file or directory");
    for (const auto& chain : stale.chains) {
      if (!state.chains.count(chain))
        return MakeError(ErrorCode::kKernel, "No such file or directory");
    }
    for (const auto& set : stale.sets) {
      if (!state.sets.count(set)) return MakeError(ErrorCode::kKernel, "No such file or directory");
    }
    state.chains = {"output", "forward"};
    for (const auto& feed : threats.feeds) state.chains.insert("a_" + feed.name);
    for (const auto& chain : stale.chains) state.chains.erase(chain);
    for (const auto& set : stale.sets) state.sets.erase(set);
    state.rules = RenderRulesScript(threats, {});
    return Ok();
  }

  Result<std::string> SetInspectRouting(const std::string& interface) override {
    state.inspect_interface = interface;
    return std::string();
  }

  Result<void> DeleteTable() override {
    ++deletes;
    std::string routing = state.inspect_interface;
    state = State{};
    state.inspect_interface = routing;
    return Ok();
  }

  Result<TableSnapshot> Read(bool count_elements) override {
    TableSnapshot snapshot;
    snapshot.exists = state.table;
    if (!state.table) return snapshot;
    for (const auto& [name, set] : state.sets) {
      snapshot.sets[name] = {set.interval, count_elements ? set.elements.size() : 0,
                             count_elements};
    }
    snapshot.chains = state.chains;
    snapshot.rules = state.rules;
    return snapshot;
  }

  // Every element of a feed's four sets, sorted as a merged list.
  std::vector<IpNetwork> Entries(const std::string& feed) const {
    std::vector<IpNetwork> out;
    for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
      for (bool interval : {false, true}) {
        auto found = state.sets.find(SetName(feed, family, interval));
        if (found != state.sets.end())
          out.insert(out.end(), found->second.elements.begin(), found->second.elements.end());
      }
    }
    std::sort(out.begin(), out.end(), [](const IpNetwork& a, const IpNetwork& b) {
      if (a.base() != b.base()) return a.base() < b.base();
      return a.prefix_len() < b.prefix_len();
    });
    return out;
  }
};

}  // namespace netwarden::threats
