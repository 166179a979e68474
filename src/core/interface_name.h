#pragma once
// Interface names as they enter netwarden (situation files, the live rtnetlink snapshot, policy
// patterns). Linux accepts almost any byte in a name (not '/', ':', NUL or whitespace, 1..15
// bytes, not "." or ".."), but a name only reaches the nftables text if it cannot change what the
// text means: nft quoted strings have no escapes (a '"' would end the string), and a trailing '*'
// is a wildcard there.

#include <optional>
#include <string>
#include <string_view>

namespace netwarden {

// Linux's own rule (net/core/dev.c dev_valid_name).
bool IsLinuxInterfaceName(std::string_view name);

// Why `name` cannot be used in rules, or nullopt when it can: Linux-valid and made only of
// printable ASCII other than '"', '\\' and '*'.
std::optional<std::string> InterfaceNameProblem(std::string_view name);

// The name for messages: printable ASCII as is, other bytes as \xNN.
std::string PrintableInterfaceName(std::string_view name);

}  // namespace netwarden
