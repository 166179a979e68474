#pragma once
// Refuses feeds that look wrong, so a broken download never replaces a good list: an HTML error
// page, mostly unparsable lines, an empty list, or a sudden shrink against the last good copy.

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "core/ip.h"

#include "core/result.h"
#include "threats/feed_parser.h"

namespace netwarden::threats {

struct ValidationLimits {
  double max_bad_fraction = 0.2;     // of data lines
  double max_shrink_fraction = 0.5;  // refuse when the list loses more than this vs last good
  size_t max_total_entries = 4'000'000;  // all feeds together (each has its own max_entries)
};

// Per feed (ThreatFeed::min_prefix_v4/_v6).
struct EntryLimits {
  int min_prefix_v4 = 8;
  int min_prefix_v6 = 16;
};

// A feed's entries as the kernel will get them: merged first (duplicates and covered entries
// gone, so a covering entry is carved once, not once per line that repeats it), refused when an
// entry is shorter than the minimum prefix, then the protected ranges carved out (the result
// stays sorted and overlap-free). `touched`: merged entries dropped or split by the carving.
Result<std::vector<IpNetwork>> CleanEntries(std::vector<IpNetwork> entries, const EntryLimits& limits,
                                            size_t& touched);

// `previous_entries`: entry count of the last good copy (nullopt when there is none).
Result<void> ValidateFeed(std::string_view text, const ParsedFeed& parsed, size_t merged_entries,
                          std::optional<size_t> previous_entries, const ValidationLimits& limits);

}  // namespace netwarden::threats
