#pragma once
// Destination port ranges as a policy names them (`ports: [443, 3478-3481]`).

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace netwarden {

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;  // inclusive; == first for one port

  bool Contains(uint16_t port) const { return first <= port && port <= last; }
  std::string ToString() const;  // "443" or "3478-3481"
  auto operator<=>(const PortRange&) const = default;
};

// Every port, 0 included: what "no ports named" means for a protocol.
inline constexpr PortRange kEveryPort{0, 65535};

// "443" or "3478-3481" (1 <= first <= last <= 65535).
Result<PortRange> ParsePortRange(std::string_view text);

// Sorted, with overlapping and adjacent ranges merged into one: the same ports, each once.
std::vector<PortRange> MergePortRanges(std::vector<PortRange> ranges);

// "443,3478-3481"
std::string PortRangesText(const std::vector<PortRange>& ranges);

}  // namespace netwarden
