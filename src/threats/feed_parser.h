#pragma once
// Reputation feed formats: text in, addresses and prefixes out. Never throws; a line that is not
// understood is counted (and a few kept as examples) so validation can judge the whole feed.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace netwarden::threats {

enum class FeedFormat { kAuto, kPlain, kFirehol, kSpamhausDrop, kSpamhausJson, kCsv };

std::optional<FeedFormat> ParseFeedFormat(std::string_view name);
const char* FeedFormatName(FeedFormat format);

struct ParsedFeed {
  FeedFormat format = FeedFormat::kPlain;  // the format used (after auto detection)
  std::vector<IpNetwork> entries;          // as listed: may overlap, unsorted
  size_t data_lines = 0;                   // lines that were neither blank nor comments
  size_t bad_lines = 0;                    // data lines that did not hold an address
  std::vector<std::string> bad_examples;   // the first few bad lines, shortened
  std::string error;                       // a format-level problem (e.g. csv column missing)
  size_t max_entries = SIZE_MAX;           // entries beyond it are not kept (and `error` says so)
};

// `column` names the csv column holding the address (unused by other formats). More than
// `max_entries` entries is an error, and no more than that are kept (memory stays bounded).
ParsedFeed ParseFeed(std::string_view text, FeedFormat format, std::string_view column = {},
                     size_t max_entries = SIZE_MAX);

// Picks a format from the first lines: JSON objects -> spamhaus-json, "a/b ; SBL" -> spamhaus-drop,
// FireHOL's header -> firehol, quoted comma lines -> csv, else plain.
FeedFormat DetectFeedFormat(std::string_view text);

// An address or prefix written in a feed. Host bits set ("1.2.3.4/24") is refused: the feed is
// ambiguous about whether it meant the host or the network.
std::optional<IpNetwork> ParseFeedAddress(std::string_view token);

}  // namespace netwarden::threats
