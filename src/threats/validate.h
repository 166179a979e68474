#pragma once
// Refuses feeds that look wrong, so a broken download never replaces a good list: an HTML error
// page, mostly unparsable lines, an empty list, or a sudden shrink against the last good copy.

#include <cstddef>
#include <optional>
#include <string_view>

#include "core/result.h"
#include "threats/feed_parser.h"

namespace netwarden::threats {

struct ValidationLimits {
  double max_bad_fraction = 0.2;     // of data lines
  double max_shrink_fraction = 0.5;  // refuse when the list loses more than this vs last good
};

// `previous_entries`: entry count of the last good copy (nullopt when there is none).
Result<void> ValidateFeed(std::string_view text, const ParsedFeed& parsed, size_t merged_entries,
                          std::optional<size_t> previous_entries, const ValidationLimits& limits);

}  // namespace netwarden::threats
