#pragma once

#include <string>
#include <vector>

#include "core/yaml_reader.h"
#include "policy/apps_policy.h"

namespace netwarden {

// Why a rule's program path is unsafe or will never match, for `check` warnings; empty if none:
// a symbolic link (identity is the file itself: lstat), or a place a user other than root can
// write to (the file, or any directory on the way): whoever can write there can put another
// executable under the rule's name.
std::vector<std::string> ProgramPathWarnings(const std::string& program);

// Reads the `apps:` section (absent node = no per-program rules). Errors go to `reader`.
void ParseApps(YamlReader& reader, const YAML::Node& node, AppsPolicy& apps);

}  // namespace netwarden
