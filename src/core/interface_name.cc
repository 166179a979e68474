#include "core/interface_name.h"

#include <cctype>
#include <cstdio>

namespace netwarden {

bool IsLinuxInterfaceName(std::string_view name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
  for (const char c : name) {
    if (c == '\0' || c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> InterfaceNameProblem(std::string_view name) {
  if (!IsLinuxInterfaceName(name)) {
    return "'" + PrintableInterfaceName(name) +
           "' is not an interface name (1 to 15 bytes, no '/', ':' or whitespace)";
  }
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x21 || byte > 0x7e || c == '"' || c == '\\' || c == '*') {
      return "interface name '" + PrintableInterfaceName(name) +
             "' cannot be used in firewall rules (only printable ASCII other than '\"', '\\' and "
             "'*')";
    }
  }
  return std::nullopt;
}

std::string PrintableInterfaceName(std::string_view name) {
  std::string out;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte <= 0x7e && c != '\\') {
      out += c;
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", byte);
      out += escaped;
    }
  }
  return out;
}

}  // namespace netwarden
