#include "threats/merge.h"

#include <algorithm>

namespace netwarden::threats {

bool EntryLess(const IpNetwork& a, const IpNetwork& b) {
  if (a.base() != b.base()) return a.base() < b.base();  // family first: it leads the bytes
  return a.prefix_len() < b.prefix_len();
}

std::vector<IpNetwork> MergeEntries(std::vector<IpNetwork> entries) {
  std::sort(entries.begin(), entries.end(), EntryLess);
  // After sorting, anything a kept prefix covers follows it directly, so one pass suffices:
  // the last kept entry is the only candidate that can cover the next one.
  std::vector<IpNetwork> kept;
  kept.reserve(entries.size());
  for (const auto& entry : entries) {
    if (!kept.empty() && kept.back().Contains(entry)) continue;
    kept.push_back(entry);
  }
  return kept;
}

SplitEntries Split(const std::vector<IpNetwork>& merged) {
  SplitEntries split;
  for (const auto& entry : merged) {
    bool v4 = entry.family() == IpFamily::kV4;
    if (entry.is_host()) {
      (v4 ? split.v4_hosts : split.v6_hosts).push_back(entry);
    } else {
      (v4 ? split.v4_prefixes : split.v6_prefixes).push_back(entry);
    }
  }
  return split;
}

EntryDiff Diff(const std::vector<IpNetwork>& before, const std::vector<IpNetwork>& after) {
  EntryDiff diff;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(diff.added), EntryLess);
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(diff.removed), EntryLess);
  return diff;
}

const IpNetwork* FindCovering(const std::vector<IpNetwork>& merged, const IpAddress& address) {
  // The covering entry, if any, is the last one whose base is <= the address: merged entries
  // never overlap, so no earlier entry can reach past it.
  IpNetwork probe = IpNetwork::Host(address);
  auto it = std::upper_bound(merged.begin(), merged.end(), probe, EntryLess);
  if (it == merged.begin()) return nullptr;
  --it;
  return it->Contains(address) ? &*it : nullptr;
}

}  // namespace netwarden::threats
