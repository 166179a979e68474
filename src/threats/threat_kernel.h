#pragma once
// Everything the threat feeds do to the kernel, behind one narrow interface: the real one drives
// libnftnl/libmnl netlink batches (elements), libnftables (the small skeleton of sets, chains and
// rules) and rtnetlink (the inspection routes); tests use an in-memory fake
// (tests/threats/fake_threat_kernel.h). The update plan (update_plan.h) and the commit steps
// (commit.h) only ever talk to this interface.

#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "policy/threats_policy.h"
#include "threats/set_batch.h"
#include "threats/threat_ruleset.h"

namespace netwarden::threats {

struct SetSnapshot {
  bool interval = false;
  size_t entries = 0;    // addresses or prefixes (an interval's end element is not counted)
  bool counted = false;  // `entries` was read (element counts cost a dump of every element)
};

// What table `inet netwarden_threats` holds, read back cheaply (no nft listing).
struct TableSnapshot {
  bool exists = false;
  std::map<std::string, SetSnapshot> sets;
  std::set<std::string> chains;
  // Every chain and rule as the kernel returns it, counter values left out: equal snapshots mean
  // nobody added, removed or changed a rule since.
  std::string rules;
};

// The feed names a table's sets and action chains belong to ("f_<feed>_v4" ..., "a_<feed>").
std::set<std::string> FeedsInTable(const TableSnapshot& snapshot);

// The chains and sets of `feeds` that `present` holds (what deleting those feeds removes).
StaleObjects StaleObjectsIn(const std::vector<std::string>& feeds, const TableSnapshot& present);

class ThreatKernel {
 public:
  virtual ~ThreatKernel() = default;

  virtual Result<bool> TableExists() = 0;
  // Creates the table and every feed's four sets when missing; never touches elements.
  virtual Result<void> EnsureSets(const ThreatPolicy& threats) = 0;
  // All updates in ONE transaction: the kernel takes all of them or none.
  virtual Result<BatchStats> CommitSetUpdates(const std::vector<SetUpdate>& updates) = 0;
  // Replaces the chains and rules and deletes `stale`, in one transaction.
  virtual Result<void> ReplaceRules(const ThreatPolicy& threats, const StaleObjects& stale) = 0;
  // Policy routing of marked packets into `interface`; "" removes it. Returns a note when the
  // interface is missing (inspected destinations are then unreachable: fail closed).
  virtual Result<std::string> SetInspectRouting(const std::string& interface) = 0;
  virtual Result<void> DeleteTable() = 0;
  virtual Result<TableSnapshot> Read(bool count_elements) = 0;
};

std::unique_ptr<ThreatKernel> MakeNetlinkThreatKernel();

}  // namespace netwarden::threats
