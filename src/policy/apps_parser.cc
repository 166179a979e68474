#include "policy/apps_parser.h"

namespace netwarden {

void ParseApps(YamlReader& reader, const YAML::Node& node, AppsPolicy& apps) {
  if (!node) return;
  if (!reader.ExpectMap(node, "apps", {})) return;
  apps.present = true;
}

}  // namespace netwarden
