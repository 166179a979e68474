#pragma once
// Small allocation-free helpers shared by the line parsers.

#include <optional>
#include <string>
#include <string_view>

#include "core/ip.h"

namespace netwarden::audit {

std::string_view Trim(std::string_view text);

// text == literal for a text already known to have the literal's length (a parser that
// dispatched on the length): a compare of constant size, which the compiler turns into a few
// loads instead of a call to memcmp (the key=value parsers compare every key).
template <size_t N>
inline bool SameSizeEquals(std::string_view text, const char (&literal)[N]) {
  return __builtin_memcmp(text.data(), literal, N - 1) == 0;
}

// text.find(needle, from), for the parsers' hot paths. memchr looks for the needle's least
// common byte (not a space, digit or punctuation that every log line is full of: "- [" is found
// by its '['), and a candidate's other end byte is checked before its middle is compared, so
// false starts cost neither a memchr restart nor a call to memcmp.
inline size_t Find(std::string_view text, std::string_view needle, size_t from = 0) {
  const size_t n = needle.size();
  if (from > text.size()) return std::string_view::npos;
  if (n == 0) return from;
  if (n > text.size() - from) return std::string_view::npos;
  size_t anchor = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = needle[i];
    bool common = c == ' ' || c == '-' || c == ':' || c == '.' || c == ',' || c == '/' ||
                  c == '=' || (c >= '0' && c <= '9');
    if (!common) {
      anchor = i;
      break;
    }
  }
  const char* data = text.data();
  const char* first_start = data + from;
  const char* last_start = data + text.size() - n;
  const char key = needle[anchor];
  const char check = anchor == n - 1 ? needle[0] : needle[n - 1];
  const size_t check_at = anchor == n - 1 ? 0 : n - 1;
  const char* p = first_start + anchor;
  const char* last = last_start + anchor;
  while (p <= last) {
    p = static_cast<const char*>(__builtin_memchr(p, key, static_cast<size_t>(last - p) + 1));
    if (p == nullptr) return std::string_view::npos;
    const char* start = p - anchor;
    if (start[check_at] == check && (n <= 2 || __builtin_memcmp(start, needle.data(), n) == 0)) {
      return static_cast<size_t>(start - data);
    }
    ++p;
  }
  return std::string_view::npos;
}

// Removes `prefix` from the front of `text` when present. Inline, and the first byte decides
// most calls: parsers try several prefixes on every line.
inline bool ConsumePrefix(std::string_view& text, std::string_view prefix) {
  if (prefix.empty()) return true;
  if (text.size() < prefix.size() || text.front() != prefix.front() ||
      __builtin_memcmp(text.data(), prefix.data(), prefix.size()) != 0) {
    return false;
  }
  text.remove_prefix(prefix.size());
  return true;
}

// The text after the first occurrence of `marker`.
std::optional<std::string_view> After(std::string_view text, std::string_view marker);

// text.find(" " + word) without stopping at every space: searches `word` (which must not begin
// with a space) and checks the space before it. Log lines are full of spaces, rarely of letters.
size_t FindAfterSpace(std::string_view text, std::string_view word, size_t from = 0);

// The text up to (not including) the first occurrence of `marker`, or all of it.
std::string_view Before(std::string_view text, std::string_view marker);

// The text up to the first character from `stops`, or all of it.
std::string_view TokenUntil(std::string_view text, std::string_view stops);

std::optional<int64_t> ParseInt(std::string_view text);

// IPv4 dotted quad (fast path) or IPv6; surrounding brackets and "[AF_INET]" are stripped.
std::optional<IpAddress> ParseAddress(std::string_view text);

// "1.2.3.4:5678" / "[2001:db8::1]:443" / "udp4:1.2.3.4:5678" -> the address part.
std::optional<IpAddress> ParseAddressWithPort(std::string_view text);

// The next pair of a key=value log (FortiGate, WELF, CEF extensions): `key=value`, `key="value"`,
// or an unquoted value with spaces, which runs to the space before the next key ("ivs=Default
// Network user=u"). A CEF "\\=" does not end a value; a key after a CEF header's last '|' is cut
// there. False when no '=' is left; `text` is left after the pair.
bool NextKeyValue(std::string_view& text, std::string_view& key, std::string_view& value);

// One spelling per account: lower case, without "DOMAIN\" or "@realm", no surrounding quotes or
// angle brackets. Masked names ("*****") become empty: they name nobody.
std::string NormaliseUser(std::string_view raw);

}  // namespace netwarden::audit
