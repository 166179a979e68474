#pragma once
// Renders the backend-neutral Ruleset as nftables script text (table `inet netwarden`).

#include <string>

#include "compiler/ruleset.h"

namespace netwarden::nft {

inline constexpr const char* kFamily = "inet";
inline constexpr const char* kTable = "netwarden";

// A digest of everything but the situational sets' elements. Stored in the table's comment so
// that an apply can tell whether only set contents changed (then: set update, not replacement).
std::string StructureDigest(const Ruleset& ruleset);
std::string TableComment(const Ruleset& ruleset);

// `table inet netwarden { ... }`, what `netwarden render` prints and golden tests pin.
std::string RenderTable(const Ruleset& ruleset);
// One transaction that replaces our table (and only our table) with the new one.
std::string RenderReplaceScript(const Ruleset& ruleset);
// One transaction that rewrites the situational sets of an installed table of the same structure.
std::string RenderSetUpdateScript(const Ruleset& ruleset);

// The number of rules RenderTable emits per chain name (chains of blocked-packet handling
// included), for verifying what the kernel holds after an apply.
std::vector<std::pair<std::string, size_t>> ExpectedRuleCounts(const Ruleset& ruleset);

}  // namespace netwarden::nft
