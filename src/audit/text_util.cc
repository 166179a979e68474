#include "audit/text_util.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace netwarden::audit {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

std::optional<std::string_view> After(std::string_view text, std::string_view marker) {
  auto at = Find(text, marker);
  if (at == std::string_view::npos) return std::nullopt;
  return text.substr(at + marker.size());
}

size_t FindAfterSpace(std::string_view text, std::string_view word, size_t from) {
  for (size_t at = Find(text, word, from + 1); at != std::string_view::npos;
       at = Find(text, word, at + 1)) {
    if (text[at - 1] == ' ') return at - 1;
  }
  return std::string_view::npos;
}

std::string_view Before(std::string_view text, std::string_view marker) {
  return text.substr(0, Find(text, marker));
}

std::string_view TokenUntil(std::string_view text, std::string_view stops) {
  return text.substr(0, text.find_first_of(stops));
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

namespace {

std::optional<IpAddress> ParseIpv4(std::string_view text) {
  uint32_t value = 0;
  int octets = 0;
  size_t i = 0;
  while (octets < 4) {
    uint32_t octet = 0;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 4) {
      octet = octet * 10 + static_cast<uint32_t>(text[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || digits > 3 || octet > 255) return std::nullopt;
    value = (value << 8) | octet;
    ++octets;
    if (octets < 4) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != text.size()) return std::nullopt;
  return IpAddress::V4(value);
}

}  // namespace

std::optional<IpAddress> ParseAddress(std::string_view text) {
  text = Trim(text);
  ConsumePrefix(text, "[AF_INET6]");
  ConsumePrefix(text, "[AF_INET]");
  if (text.size() >= 2 && ((text.front() == '<' && text.back() == '>') ||
                           (text.front() == '[' && text.back() == ']'))) {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() > 45) return std::nullopt;
  if (text.find(':') == std::string_view::npos) return ParseIpv4(text);
  auto parsed = IpAddress::Parse(text);
  if (!parsed) return std::nullopt;
  return *parsed;
}

std::optional<IpAddress> ParseAddressWithPort(std::string_view text) {
  text = Trim(text);
  ConsumePrefix(text, "[AF_INET6]");
  ConsumePrefix(text, "[AF_INET]");
  for (std::string_view protocol :
       {"udp4:", "udp6:", "tcp4-server:", "tcp6-server:", "udp:", "tcp:", "tcp4:", "tcp6:"}) {
    if (ConsumePrefix(text, protocol)) break;
  }
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return ParseAddress(text.substr(1, close - 1));
  }
  auto colons = std::count(text.begin(), text.end(), ':');
  if (colons == 1) return ParseAddress(text.substr(0, text.find(':')));
  return ParseAddress(text);
}

namespace {

// Byte classes of a key=value key scan: one table load per byte instead of three compares.
constexpr uint8_t kSpace = 1;
constexpr uint8_t kEquals = 2;
constexpr uint8_t kKeyEnds = kSpace | kEquals;
constexpr uint8_t kBar = 4;
constexpr std::array<uint8_t, 256> kKeyScan = [] {
  std::array<uint8_t, 256> table{};
  table[' '] = kSpace;
  table['='] = kEquals;
  table['|'] = kBar;
  return table;
}();

}  // namespace

bool NextKeyValue(std::string_view& text, std::string_view& key, std::string_view& value) {
  // One forward pass (this is the key=value formats' hot loop): words without '=' (a syslog
  // header) are skipped; an unquoted value ends at the space before the next "key=".
  const char* p = text.data();
  const char* end = p + text.size();
  uint8_t seen = 0;  // kBar once a '|' was passed: only CEF headers have one
  while (true) {
    while (p < end && *p == ' ') ++p;
    const char* word = p;
    uint8_t stop = 0;
    while (p < end && ((stop = kKeyScan[static_cast<unsigned char>(*p)]) & kKeyEnds) == 0) {
      seen |= stop;
      ++p;
    }
    if (p >= end) {
      text = {};
      return false;
    }
    if (stop == kSpace) continue;
    key = std::string_view(word, static_cast<size_t>(p - word));
    ++p;
    break;
  }
  if (seen & kBar) {
    if (auto at = key.rfind('|'); at != std::string_view::npos) key.remove_prefix(at + 1);
  }
  if (p < end && *p == '"') {
    const char* open = p + 1;
    const auto* close = static_cast<const char*>(std::memchr(open, '"', end - open));
    if (close == nullptr) {
      value = std::string_view(open, static_cast<size_t>(end - open));
      text = {};
    } else {
      value = std::string_view(open, static_cast<size_t>(close - open));
      text = std::string_view(close + 1, static_cast<size_t>(end - close - 1));
    }
    return true;
  }
  const char* start = p;
  while (true) {
    const auto* space = static_cast<const char*>(std::memchr(p, ' ', end - p));
    if (space == nullptr) {
      value = Trim(std::string_view(start, static_cast<size_t>(end - start)));
      text = {};
      return true;
    }
    const char* next = space + 1;
    while (next < end && *next == ' ') ++next;
    const char* scan = next;
    while (scan < end && *scan != ' ' && *scan != '=') ++scan;
    // The next word is a key ("k=", a CEF "\\=" does not count): the value ends here.
    if (scan < end && *scan == '=' && scan > next && scan[-1] != '\\') {
      value = std::string_view(start, static_cast<size_t>(space - start));
      text = std::string_view(space, static_cast<size_t>(end - space));
      return true;
    }
    p = next;
  }
}

std::string NormaliseUser(std::string_view raw) {
  std::string_view name = Trim(raw);
  while (name.size() >= 2 && ((name.front() == '<' && name.back() == '>') ||
                              (name.front() == '"' && name.back() == '"') ||
                              (name.front() == '\'' && name.back() == '\''))) {
    name = Trim(name.substr(1, name.size() - 2));
  }
  auto backslash = name.rfind('\\');
  if (backslash != std::string_view::npos) name.remove_prefix(backslash + 1);
  auto at = name.find('@');
  if (at != std::string_view::npos && at > 0) name = name.substr(0, at);
  if (name.find_first_not_of('*') == std::string_view::npos) return {};
  if (name == "UNDEF" || name == "-") return {};
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace netwarden::audit
