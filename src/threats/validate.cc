#include "threats/validate.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>

#include "threats/merge.h"

namespace netwarden::threats {
namespace {

bool LooksLikeHtml(std::string_view text) {
  std::string head(text.substr(0, 2048));
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return head.find("<html") != std::string::npos || head.find("<!doctype") != std::string::npos ||
         head.find("<head") != std::string::npos || head.find("<body") != std::string::npos;
}

Error Refuse(std::string reason) { return MakeError(ErrorCode::kVerify, std::move(reason)); }

}  // namespace

Result<std::vector<IpNetwork>> CleanEntries(std::vector<IpNetwork> entries,
                                            const EntryLimits& limits, size_t& touched) {
  std::vector<IpNetwork> merged = MergeEntries(std::move(entries));
  // After merging, the shortest prefixes are still there (nothing covers them): one pass.
  for (const auto& entry : merged) {
    const bool v4 = entry.family() == IpFamily::kV4;
    const int minimum = v4 ? limits.min_prefix_v4 : limits.min_prefix_v6;
    if (entry.prefix_len() < minimum) {
      return Refuse("it lists " + entry.ToString() + ", shorter than the minimum /" +
                    std::to_string(minimum) + (v4 ? " (min_prefix_v4)" : " (min_prefix_v6)"));
    }
  }
  touched = CarveOutProtected(merged);
  return merged;
}

ShrinkVerdict CheckShrink(size_t entries, size_t reference, int refusals_in_a_row,
                          const ValidationLimits& limits) {
  ShrinkVerdict verdict;
  verdict.reference = std::max(reference, entries);
  if (reference == 0 || static_cast<double>(entries) >=
                            (1.0 - limits.max_shrink_fraction) * static_cast<double>(reference)) {
    return verdict;
  }
  verdict.refusals_in_a_row = refusals_in_a_row + 1;
  if (verdict.refusals_in_a_row >= limits.shrink_confirmations) {
    verdict.confirmed = true;
    verdict.refusals_in_a_row = 0;
    verdict.reference = entries;
    return verdict;
  }
  verdict.accept = false;
  verdict.reference = reference;
  verdict.reason = "the feed shrank to " + std::to_string(entries) + " entries from " +
                   std::to_string(reference) + " (limit " +
                   std::to_string(static_cast<int>(limits.max_shrink_fraction * 100)) +
                   "%; accepted when " + std::to_string(limits.shrink_confirmations) +
                   " downloads in a row say so, this is " +
                   std::to_string(verdict.refusals_in_a_row) + ")";
  return verdict;
}

Result<void> ValidateFeed(std::string_view text, const ParsedFeed& parsed, size_t merged_entries,
                          std::optional<size_t> previous_entries, const ValidationLimits& limits) {
  if (LooksLikeHtml(text)) return Refuse("the download is an HTML page, not a feed");
  if (!parsed.error.empty()) return Refuse(parsed.error);
  if (parsed.data_lines > 0 &&
      static_cast<double>(parsed.bad_lines) > limits.max_bad_fraction * parsed.data_lines) {
    std::string example =
        parsed.bad_examples.empty() ? "" : " (e.g. '" + parsed.bad_examples[0] + "')";
    return Refuse(std::to_string(parsed.bad_lines) + " of " + std::to_string(parsed.data_lines) +
                  " lines are not addresses" + example);
  }
  if (merged_entries == 0) return Refuse("the feed lists no addresses");
  if (previous_entries && *previous_entries > 0 &&
      static_cast<double>(merged_entries) <
          (1.0 - limits.max_shrink_fraction) * static_cast<double>(*previous_entries)) {
    return Refuse("the feed shrank from " + std::to_string(*previous_entries) + " to " +
                  std::to_string(merged_entries) + " entries (limit " +
                  std::to_string(static_cast<int>(limits.max_shrink_fraction * 100)) + "%)");
  }
  return Ok();
}

}  // namespace netwarden::threats
