#pragma once
// The pure part of a refresh: from what the kernel holds (each feed's merged list as last
// committed) and the new merged lists, the set operations that take one to the other, as few as
// possible. No kernel, no files: unit-tested on its own (tests/threats/update_plan_test.cc).

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/ip.h"
#include "threats/set_batch.h"

namespace netwarden::threats {

// What the kernel holds: per feed, the merged list last committed to its four sets.
using HeldLists = std::map<std::string, std::vector<IpNetwork>>;

struct DesiredFeed {
  std::string name;
  const std::vector<IpNetwork>* merged = nullptr;  // sorted and overlap-free (MergeEntries)
};

struct FeedChange {
  size_t added = 0, removed = 0;
  bool replaced = false;  // its sets are flushed and refilled (the held list was unknown)
};

struct UpdatePlan {
  std::vector<SetUpdate> updates;  // empty sets and sets without a change are left out
  std::map<std::string, FeedChange> changes;
  bool full = false;          // every desired feed is replaced
  size_t operations() const;  // elements added + removed
};

// `held` == nullptr: the kernel's contents are unknown (new table, records lost, a verification
// failed): every desired feed is replaced in full. A feed missing from `held` is replaced alone.
UpdatePlan PlanUpdate(const std::vector<DesiredFeed>& desired, const HeldLists* held);

// Element counts the four sets of a feed must show after its list is committed, by set name.
std::map<std::string, size_t> ExpectedSetEntries(const std::string& feed,
                                                 const std::vector<IpNetwork>& merged);

}  // namespace netwarden::threats
