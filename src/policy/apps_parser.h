#pragma once

#include "core/yaml_reader.h"
#include "policy/apps_policy.h"

namespace netwarden {

// Reads the `apps:` section (absent node = no per-program rules). Errors go to `reader`.
void ParseApps(YamlReader& reader, const YAML::Node& node, AppsPolicy& apps);

}  // namespace netwarden
