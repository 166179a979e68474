#pragma once
// The kernel side of a refresh, through ThreatKernel: sets created if missing, the planned set
// operations in one transaction, the rules, the inspection routes, then a read-back that checks
// every feed's sets hold exactly the planned number of entries. Shared by `threats apply`
// (threats/apply.cc) and the agent's ThreatManager.

#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "policy/threats_policy.h"
#include "threats/threat_kernel.h"
#include "threats/update_plan.h"

namespace netwarden::threats {

struct CommitReport {
  std::map<std::string, FeedChange> changes;  // per desired feed
  BatchStats batch;
  bool full_load = false;     // every desired feed's sets were (re)filled from scratch
  double kernel_seconds = 0;  // the element transaction
  std::string inspect_note;   // e.g. the inspection interface is missing (fail closed)
  TableSnapshot after;        // the table as read back (the baseline of later drift checks)
};

// Brings the feeds of `desired` to their lists (`held`: what the kernel holds, nullptr when
// unknown: replaced in full) and the rules to `threats`; the sets of feeds `threats` no longer
// has are deleted. Feeds of `threats` not in `desired` keep their elements. An error of kind
// kVerify means the kernel took the transaction but holds something else: the caller must
// replace in full (held = nullptr) next time.
Result<CommitReport> CommitToKernel(ThreatKernel& kernel, const ThreatPolicy& threats,
                                    const std::vector<DesiredFeed>& desired, const HeldLists* held);

// Checks `snapshot` against the policy and the lists: every feed's four sets (interval flag as
// expected, entry counts where counted and known) and action chain, the base chains.
Result<void> VerifyTable(const TableSnapshot& snapshot, const ThreatPolicy& threats,
                         const std::map<std::string, const std::vector<IpNetwork>*>& lists);

}  // namespace netwarden::threats
