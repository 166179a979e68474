#include "threats/merge.h"

#include <arpa/inet.h>

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

const std::vector<IpNetwork>& ProtectedNetworks() {
  static const std::vector<IpNetwork> kProtected = [] {
    std::vector<IpNetwork> networks(PrivateNetworks().begin(), PrivateNetworks().end());
    for (const char* text :
         {"127.0.0.0/8", "224.0.0.0/4", "255.255.255.255/32", "::1/128", "ff00::/8"}) {
      networks.push_back(*IpNetwork::Parse(text));
    }
    return networks;
  }();
  return kProtected;
}

namespace {

// IpAddress has no constructor from raw bytes; carving is rare, so going through text is fine.
IpAddress FromBytes(IpFamily family, const std::array<uint8_t, 16>& bytes) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == IpFamily::kV4 ? AF_INET : AF_INET6, bytes.data(), text, sizeof(text));
  return *IpAddress::Parse(text);
}

// Halves `entry` until no piece overlaps a protected range partially; at most one piece per bit
// of prefix length per protected range it covers.
void CarveOut(const IpNetwork& entry, const std::vector<IpNetwork>& ranges,
              std::vector<IpNetwork>& out) {
  bool covers = false;
  for (const auto& range : ranges) {
    if (range.Contains(entry)) return;  // wholly protected: dropped
    covers |= entry.Contains(range);
  }
  if (!covers) {
    out.push_back(entry);
    return;
  }
  const int bit = entry.prefix_len();  // < bit width: a covering entry is never a host
  auto upper = entry.base().bytes();
  upper[bit / 8] |= static_cast<uint8_t>(1u << (7 - bit % 8));
  CarveOut(IpNetwork(entry.base(), bit + 1), ranges, out);
  CarveOut(IpNetwork(FromBytes(entry.family(), upper), bit + 1), ranges, out);
}

}  // namespace

size_t CarveOutProtected(std::vector<IpNetwork>& entries, const std::vector<IpNetwork>& also) {
  std::vector<IpNetwork> ranges = ProtectedNetworks();
  ranges.insert(ranges.end(), also.begin(), also.end());
  return CarveOutOf(entries, ranges);
}

size_t CarveOutOf(std::vector<IpNetwork>& entries, const std::vector<IpNetwork>& ranges) {
  if (ranges.empty()) return 0;
  std::vector<IpNetwork> kept;
  kept.reserve(entries.size());
  size_t touched = 0;
  for (const auto& entry : entries) {
    size_t before = kept.size();
    CarveOut(entry, ranges, kept);
    if (kept.size() != before + 1 || !(kept.back() == entry)) ++touched;
  }
  entries = std::move(kept);
  return touched;
}

std::vector<ListedEndpoint> ListedEndpoints(const std::vector<IpNetwork>& entries,
                                            const std::vector<IpNetwork>& endpoints) {
  std::vector<ListedEndpoint> listed;
  for (const auto& endpoint : endpoints) {
    for (const auto& entry : entries) {
      if (entry.Overlaps(endpoint)) {
        listed.push_back({endpoint, entry});
        break;
      }
    }
  }
  return listed;
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
