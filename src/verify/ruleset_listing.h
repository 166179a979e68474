#pragma once
// The JSON listing the kernel gives (`nft -j list table inet netwarden`) for a compiled Ruleset,
// without a kernel: how `--all-states`, `--diff` and the unit tests build the same model as for
// an installed table. It mirrors dataplane/nft/nft_renderer.cc statement by statement; a unit
// test holds it to a listing recorded from a real kernel.

#include <string>

#include "compiler/ruleset.h"

namespace netwarden::verify {

std::string RulesetListing(const Ruleset& ruleset);

// The threat table's postrouting guard as the kernel lists it (`list chain inet
// netwarden_threats inspect_guard`): marked packets leave only by the inspection interface.
std::string InspectionGuardListing(const std::string& inspection_interface);

}  // namespace netwarden::verify
