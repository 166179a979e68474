#include "threats/feed_parser.h"

#include <nlohmann/json.hpp>

namespace netwarden::threats {
namespace {

constexpr size_t kMaxBadExamples = 5;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// Calls `on_line` for every line (without its newline), the last one even when unterminated.
template <typename F>
void ForEachLine(std::string_view text, F&& on_line) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    on_line(text.substr(start, end - start));
    start = end + 1;
  }
}

// The first token of a line: everything up to whitespace or a comment/field separator.
std::string_view FirstToken(std::string_view line) {
  size_t end = line.find_first_of(" \t;#,");
  return line.substr(0, end);
}

void CountBad(ParsedFeed& feed, std::string_view line) {
  ++feed.bad_lines;
  if (feed.bad_examples.size() < kMaxBadExamples) {
    feed.bad_examples.emplace_back(line.substr(0, 80));
  }
}

void Keep(ParsedFeed& feed, const IpNetwork& network) {
  if (feed.entries.size() < feed.max_entries) {
    feed.entries.push_back(network);
  } else if (feed.error.empty()) {
    feed.error =
        "the feed lists more than " + std::to_string(feed.max_entries) + " entries (max_entries)";
  }
}

void AddToken(ParsedFeed& feed, std::string_view line, std::string_view token) {
  ++feed.data_lines;
  if (auto network = ParseFeedAddress(token)) {
    Keep(feed, *network);
  } else {
    CountBad(feed, line);
  }
}

// plain, firehol and spamhaus-drop differ only in their comment markers and separators.
void ParseLineFormat(std::string_view text, ParsedFeed& feed) {
  ForEachLine(text, [&](std::string_view raw) {
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') return;
    AddToken(feed, line, FirstToken(line));
  });
}

void ParseSpamhausJson(std::string_view text, ParsedFeed& feed) {
  ForEachLine(text, [&](std::string_view raw) {
    std::string_view line = Trim(raw);
    if (line.empty()) return;
    auto object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (object.is_object() && object.contains("type") && !object.contains("cidr"))
      return;  // metadata
    ++feed.data_lines;
    if (!object.is_object() || !object.contains("cidr") || !object["cidr"].is_string()) {
      CountBad(feed, line);
      return;
    }
    if (auto network = ParseFeedAddress(object["cidr"].get_ref<const std::string&>())) {
      Keep(feed, *network);
    } else {
      CountBad(feed, line);
    }
  });
}

// Splits one CSV record (RFC 4180 quoting, no embedded newlines: feeds never use them).
std::vector<std::string_view> SplitCsv(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i <= line.size()) {
    if (i < line.size() && line[i] == '"') {
      size_t close = line.find('"', i + 1);
      if (close == std::string_view::npos) close = line.size();
      fields.push_back(line.substr(i + 1, close - i - 1));
      size_t comma = line.find(',', close);
      if (comma == std::string_view::npos) break;
      i = comma + 1;
    } else {
      size_t comma = line.find(',', i);
      if (comma == std::string_view::npos) comma = line.size();
      fields.push_back(Trim(line.substr(i, comma - i)));
      i = comma + 1;
    }
  }
  return fields;
}

// abuse.ch puts the header in a comment ("# first_seen_utc,dst_ip,..."); others use a plain
// first line. The column index comes from whichever header appears first.
void ParseCsv(std::string_view text, std::string_view column, ParsedFeed& feed) {
  std::optional<size_t> index;
  ForEachLine(text, [&](std::string_view raw) {
    std::string_view line = Trim(raw);
    if (line.empty()) return;
    bool comment = line.front() == '#';
    std::string_view body = comment ? Trim(line.substr(1)) : line;
    if (!index) {
      auto fields = SplitCsv(body);
      for (size_t i = 0; i < fields.size(); ++i) {
        if (Trim(fields[i]) == column) index = i;
      }
      if (index || comment) return;
    }
    if (comment) return;
    if (!index) {
      ++feed.data_lines;
      CountBad(feed, line);
      return;
    }
    auto fields = SplitCsv(line);
    ++feed.data_lines;
    if (*index >= fields.size()) {
      CountBad(feed, line);
      return;
    }
    if (auto network = ParseFeedAddress(Trim(fields[*index]))) {
      Keep(feed, *network);
    } else {
      CountBad(feed, line);
    }
  });
  if (!index) feed.error = "no csv header names the column '" + std::string(column) + "'";
}

bool LooksLikeSpamhausDrop(std::string_view line) {
  size_t semicolon = line.find(';');
  return semicolon != std::string_view::npos &&
         line.find("SBL", semicolon) != std::string_view::npos;
}

}  // namespace

std::optional<FeedFormat> ParseFeedFormat(std::string_view name) {
  if (name == "auto") return FeedFormat::kAuto;
  if (name == "plain") return FeedFormat::kPlain;
  if (name == "firehol") return FeedFormat::kFirehol;
  if (name == "spamhaus-drop") return FeedFormat::kSpamhausDrop;
  if (name == "spamhaus-json") return FeedFormat::kSpamhausJson;
  if (name == "csv") return FeedFormat::kCsv;
  return std::nullopt;
}

const char* FeedFormatName(FeedFormat format) {
  switch (format) {
    case FeedFormat::kAuto:
      return "auto";
    case FeedFormat::kPlain:
      return "plain";
    case FeedFormat::kFirehol:
      return "firehol";
    case FeedFormat::kSpamhausDrop:
      return "spamhaus-drop";
    case FeedFormat::kSpamhausJson:
      return "spamhaus-json";
    case FeedFormat::kCsv:
      return "csv";
  }
  return "?";
}

std::optional<IpNetwork> ParseFeedAddress(std::string_view token) {
  // inet_pton needs a terminated string; the longest IPv6 prefix is 43 characters.
  if (token.empty() || token.size() > 49) return std::nullopt;
  auto network = IpNetwork::Parse(token);
  if (!network) return std::nullopt;
  // "::ffff:a.b.c.d" never appears on the wire as IPv6: it means the IPv4 address, and in an
  // IPv6 set it would silently match nothing.
  const auto& bytes = network->base().bytes();
  bool mapped = network->family() == IpFamily::kV6 && network->prefix_len() >= 96 &&
                bytes[10] == 0xff && bytes[11] == 0xff;
  for (int i = 0; mapped && i < 10; ++i) mapped = bytes[i] == 0;
  if (mapped) {
    uint32_t v4 = (uint32_t{bytes[12]} << 24) | (uint32_t{bytes[13]} << 16) |
                  (uint32_t{bytes[14]} << 8) | bytes[15];
    return IpNetwork(IpAddress::V4(v4), network->prefix_len() - 96);
  }
  return *network;
}

FeedFormat DetectFeedFormat(std::string_view text) {
  bool firehol_header = false;
  int examined = 0;
  FeedFormat found = FeedFormat::kPlain;
  ForEachLine(text.substr(0, 64 * 1024), [&](std::string_view raw) {
    if (examined >= 200 || found != FeedFormat::kPlain) return;
    std::string_view line = Trim(raw);
    if (line.empty()) return;
    ++examined;
    if (line.front() == '#') {
      if (line.find("FireHOL") != std::string_view::npos ||
          line.find("iplists.firehol.org") != std::string_view::npos) {
        firehol_header = true;
      }
      if (line.find("dst_ip") != std::string_view::npos &&
          line.find(',') != std::string_view::npos) {
        found = FeedFormat::kCsv;
      }
      return;
    }
    if (line.front() == '{') {
      found = FeedFormat::kSpamhausJson;
    } else if (line.front() == ';') {
      return;
    } else if (LooksLikeSpamhausDrop(line)) {
      found = FeedFormat::kSpamhausDrop;
    } else if (line.front() == '"') {
      found = FeedFormat::kCsv;
    }
  });
  if (found == FeedFormat::kPlain && firehol_header) return FeedFormat::kFirehol;
  return found;
}

ParsedFeed ParseFeed(std::string_view text, FeedFormat format, std::string_view column,
                     size_t max_entries) {
  ParsedFeed feed;
  feed.max_entries = max_entries;
  if (format == FeedFormat::kAuto) format = DetectFeedFormat(text);
  feed.format = format;
  switch (format) {
    case FeedFormat::kSpamhausJson:
      ParseSpamhausJson(text, feed);
      break;
    case FeedFormat::kCsv:
      ParseCsv(text, column.empty() ? "dst_ip" : column, feed);
      break;
    default:
      ParseLineFormat(text, feed);
      break;
  }
  return feed;
}

}  // namespace netwarden::threats
