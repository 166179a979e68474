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
  auto carved = parsed.entries;
  CarveOutProtected(carved);
  for (const auto& entry : carved) {
    for (const auto& range : ProtectedNetworks()) {
      if (entry.Overlaps(range)) std::abort();  // nothing may touch the LAN, loopback, multicast
    }
  }
  (void)ValidateFeed(text, parsed, merged.size(), parsed.entries.size(), {});
  for (const auto& entry : parsed.entries) {
    if (FindCovering(merged, entry.base()) == nullptr) std::abort();  // every input stays covered
  }
  return 0;
}
