#include "audit/terminal_escape.h"

#include <cstdint>

#include "fmt/format.h"

namespace netwarden::audit {

namespace {

// The length of the valid UTF-8 sequence at text[at] and its code point; 0 when invalid
// (overlong forms, surrogates and values above U+10FFFF are invalid too).
size_t DecodeUtf8(std::string_view text, size_t at, uint32_t& code_point) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  uint8_t lead = byte(at);
  size_t length = 0;
  uint32_t minimum = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  if ((lead & 0xE0) == 0xC0) {
    length = 2, minimum = 0x80, code_point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, minimum = 0x800, code_point = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, minimum = 0x10000, code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(at + i) & 0x3F);
  }
  if (code_point < minimum || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

bool ReordersOrBreaksLines(uint32_t code_point) {
  return code_point == 0x061C ||                            // Arabic letter mark
         code_point == 0x200E || code_point == 0x200F ||    // LRM, RLM
         (code_point >= 0x2028 && code_point <= 0x202E) ||  // separators, embeddings, overrides
         (code_point >= 0x2066 && code_point <= 0x2069);    // isolates
}

}  // namespace

std::string EscapeForTerminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    uint32_t code_point = 0;
    size_t length = DecodeUtf8(text, at, code_point);
    if (length == 0) {
      out += fmt::format("\\x{:02x}", static_cast<uint8_t>(text[at]));
      ++at;
      continue;
    }
    if (code_point == '\t') {
      out += "\\t";
    } else if (code_point < 0x20 || code_point == 0x7F) {
      out += fmt::format("\\x{:02x}", code_point);
    } else if ((code_point >= 0x80 && code_point <= 0x9F) || ReordersOrBreaksLines(code_point)) {
      out += fmt::format("\\u{{{:04x}}}", code_point);
    } else {
      out.append(text.substr(at, length));
    }
    at += length;
  }
  return out;
}

}  // namespace netwarden::audit
