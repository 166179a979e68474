#include "policy/port_range.h"

#include <algorithm>
#include <charconv>

namespace netwarden {
namespace {

std::optional<uint16_t> PortNumber(std::string_view text) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() || value < 1 ||
      value > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

std::string PortRange::ToString() const {
  if (first == last) return std::to_string(first);
  return std::to_string(first) + "-" + std::to_string(last);
}

Result<PortRange> ParsePortRange(std::string_view text) {
  const auto dash = text.find('-');
  const auto first = PortNumber(text.substr(0, dash));
  const auto last = dash == std::string_view::npos ? first : PortNumber(text.substr(dash + 1));
  if (!first || !last) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "'" + std::string(text) + "' is not a port or port range (N or N-M, 1..65535)");
  }
  if (*first > *last) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "port range '" + std::string(text) + "' ends before it starts");
  }
  return PortRange{*first, *last};
}

std::vector<PortRange> MergePortRanges(std::vector<PortRange> ranges) {
  std::sort(ranges.begin(), ranges.end());
  std::vector<PortRange> merged;
  for (const auto& range : ranges) {
    if (!merged.empty() && range.first <= uint32_t{merged.back().last} + 1) {
      merged.back().last = std::max(merged.back().last, range.last);
    } else {
      merged.push_back(range);
    }
  }
  return merged;
}

std::string PortRangesText(const std::vector<PortRange>& ranges) {
  std::string text;
  for (const auto& range : ranges) text += (text.empty() ? "" : ",") + range.ToString();
  return text;
}

}  // namespace netwarden
