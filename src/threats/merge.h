#pragma once
// User-space merging, so the kernel only ever sees a clean list: no duplicates, no prefix inside
// another (interval sets refuse overlaps and a single overlap would abort the whole load).

#include <vector>

#include "core/ip.h"

namespace netwarden::threats {

// Sorted (family, base, length), duplicates and covered entries removed. O(n log n).
std::vector<IpNetwork> MergeEntries(std::vector<IpNetwork> entries);

// What goes in which kernel set: hosts in hash sets, real prefixes in interval sets.
struct SplitEntries {
  std::vector<IpNetwork> v4_hosts, v4_prefixes, v6_hosts, v6_prefixes;
  size_t size() const {
    return v4_hosts.size() + v4_prefixes.size() + v6_hosts.size() + v6_prefixes.size();
  }
};
SplitEntries Split(const std::vector<IpNetwork>& merged);

// Elements to add and to delete to go from `before` to `after` (both sorted as MergeEntries).
struct EntryDiff {
  std::vector<IpNetwork> added, removed;
  bool empty() const { return added.empty() && removed.empty(); }
};
EntryDiff Diff(const std::vector<IpNetwork>& before, const std::vector<IpNetwork>& after);

// The entry of a merged list that covers `address`, if any (binary search).
const IpNetwork* FindCovering(const std::vector<IpNetwork>& merged, const IpAddress& address);

// Ranges a reputation feed must never cut off: private and link-local networks (the LAN, the home
// router, DHCP), loopback, multicast and limited broadcast. FireHOL level1, for one, lists all
// of them as bogons.
const std::vector<IpNetwork>& ProtectedNetworks();

// Removes the parts of `entries` that fall in a protected range (ProtectedNetworks() and `also`,
// e.g. the policy's own gateways): an entry inside one is dropped, an entry covering one is split
// into the prefixes around it. Returns how many were dropped or split. Run before MergeEntries.
size_t CarveOutProtected(std::vector<IpNetwork>& entries, const std::vector<IpNetwork>& also = {});

// The same with `ranges` alone (e.g. the policy's endpoints out of an already carved list).
size_t CarveOutOf(std::vector<IpNetwork>& entries, const std::vector<IpNetwork>& ranges);

// The addresses of `endpoints` that some entry covers, each with the first such entry.
struct ListedEndpoint {
  IpNetwork endpoint;
  IpNetwork entry;
};
std::vector<ListedEndpoint> ListedEndpoints(const std::vector<IpNetwork>& entries,
                                            const std::vector<IpNetwork>& endpoints);

// The ordering MergeEntries sorts by (a covering prefix sorts before what it covers).
bool EntryLess(const IpNetwork& a, const IpNetwork& b);

}  // namespace netwarden::threats
