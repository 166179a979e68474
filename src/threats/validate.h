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
  double max_bad_fraction = 0.2;         // of data lines
  double max_shrink_fraction = 0.5;      // refuse when the list loses more than this (CheckShrink)
  int shrink_confirmations = 3;          // downloads in a row that confirm a shrink beyond it
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
Result<std::vector<IpNetwork>> CleanEntries(std::vector<IpNetwork> entries,
                                            const EntryLimits& limits, size_t& touched);

// The shrink rule. A list is compared with the largest list accepted since the last confirmed
// shrink (`reference`), not with the previous one: otherwise 49 % shrinks accepted one refresh
// after the other would empty a feed in a few hours. A list that loses more than
// max_shrink_fraction of the reference is refused, and `refusals_in_a_row` counts it; the
// shrink_confirmations-th such download in a row is accepted (the source really shrank; the
// reference becomes the new size). Returns the new refusal count, or the refusal.
struct ShrinkVerdict {
  bool accept = true;
  bool confirmed = false;  // accepted as a confirmed shrink
  int refusals_in_a_row = 0;
  size_t reference = 0;  // the reference to keep for the next download
  std::string reason;    // when refused
};
ShrinkVerdict CheckShrink(size_t entries, size_t reference, int refusals_in_a_row,
                          const ValidationLimits& limits);

// `previous_entries`: entry count of the last good copy (nullopt when there is none).
Result<void> ValidateFeed(std::string_view text, const ParsedFeed& parsed, size_t merged_entries,
                          std::optional<size_t> previous_entries, const ValidationLimits& limits);

}  // namespace netwarden::threats
