#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "policy/policy.h"

namespace netwarden {

// Parses and validates a policy document. On failure the error carries every problem found,
// each as file:line:col. Warnings (accepted but risky settings) are in Policy::warnings.
Result<Policy> ParsePolicy(std::string_view text, const std::string& file_name);
Result<Policy> LoadPolicyFile(const std::string& path);

// The policy in force when no valid one is: `version: 1` with nothing allowed (loopback, DHCP
// and neighbour discovery only). Fail closed for a missing or refused policy.
Policy BlockAllPolicy();

// Shared validators, also used for situation files.
bool IsValidHostname(std::string_view name);
bool IsValidInterfacePattern(std::string_view pattern);
// Glob match of an interface name against a pattern with an optional trailing '*' (nft semantics).
bool InterfaceMatches(std::string_view pattern, std::string_view name);

}  // namespace netwarden
