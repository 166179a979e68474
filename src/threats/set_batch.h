#pragma once
// Loads set elements through libnftnl/libmnl netlink batches, never the nft text path (which needs
// seconds and gigabytes for a million intervals, and dumps the whole set to add one element).
// All updates of one call are ONE transaction: the kernel commits all of them or none.

#include <cstddef>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace netwarden::threats {

struct SetUpdate {
  std::string set;              // a set of table `inet <table>`, already created
  bool interval = false;        // prefixes: written as [start, end) element pairs
  bool flush = false;           // remove every element first (full replacement)
  std::vector<IpNetwork> add;   // must not overlap each other or what stays in the set
  std::vector<IpNetwork> remove;
};

struct BatchStats {
  size_t messages = 0;   // element messages (each acknowledged)
  size_t elements = 0;   // kernel elements sent (an interval counts two)
  size_t bytes = 0;
};

// Kernel elements per message: the element list is a nested attribute with a 16-bit length.
inline constexpr size_t kElementsPerMessage = 1000;

Result<BatchStats> CommitSetUpdates(const std::string& table, const std::vector<SetUpdate>& updates);

}  // namespace netwarden::threats

namespace netwarden::threats {

// Asks the kernel for table `inet <table>` alone (one netlink request): `nft list tables` would
// fetch every set element first, which takes seconds and hundreds of MB with a million entries.
Result<bool> TableExists(const std::string& table);

}  // namespace netwarden::threats
