#pragma once
// Shared body of the feed-parser fuzzers: parse with one format, then merge, split, validate
// and look up; every step must accept anything without crashing, throwing or looping, and the
// merged list must be sorted and overlap-free.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "threats/feed_parser.h"
#include "threats/merge.h"
#include "threats/validate.h"

inline int FuzzThreatFeed(const uint8_t* data, size_t size, netwarden::threats::FeedFormat format,
                          std::string_view column = {}) {
  using namespace netwarden::threats;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ParsedFeed parsed = ParseFeed(text, format, column);
  if (parsed.bad_lines > parsed.data_lines) std::abort();
  auto merged = MergeEntries(parsed.entries);
  for (size_t i = 1; i < merged.size(); ++i) {
    if (!EntryLess(merged[i - 1], merged[i]) || merged[i - 1].Overlaps(merged[i])) std::abort();
  }
  (void)Split(merged);
  // Merged, then carved (any prefix length allowed here: the work must stay bounded anyway).
  size_t touched = 0;
  auto carved = CleanEntries(parsed.entries, EntryLimits{0, 0}, touched);
  if (!carved) std::abort();
  for (size_t i = 0; i < carved->size(); ++i) {
    if (i > 0 && (!EntryLess((*carved)[i - 1], (*carved)[i]) || (*carved)[i - 1].Overlaps((*carved)[i]))) {
      std::abort();  // still sorted and overlap-free: the kernel's interval sets need that
    }
    for (const auto& range : ProtectedNetworks()) {
      if ((*carved)[i].Overlaps(range)) std::abort();  // nothing may touch the LAN, loopback, multicast
    }
  }
  if (!CleanEntries(parsed.entries, EntryLimits{}, touched)) {
    for (const auto& entry : merged) {
      if (entry.prefix_len() < (entry.family() == netwarden::IpFamily::kV4 ? 8 : 16)) return 0;
    }
    std::abort();  // refused only for a prefix shorter than the minimum
  }
  (void)ValidateFeed(text, parsed, merged.size(), parsed.entries.size(), {});
  for (const auto& entry : parsed.entries) {
    if (FindCovering(merged, entry.base()) == nullptr) std::abort();  // every input stays covered
  }
  return 0;
}
