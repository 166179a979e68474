#include "agent/threat_table_plane.h"

#include "threats/apply.h"

namespace netwarden::agent {

Result<void> ThreatTablePlane::Apply() {
  if (auto reloaded = reload_(); !reloaded) return reloaded;
  dirty_ = false;
  return Ok();
}

Result<std::vector<Drift>> ThreatTablePlane::Resync() {
  std::vector<Drift> drift;
  if (!wanted_()) return drift;
  auto exists = threats::ThreatTableExists();
  if (!exists) return exists.error();
  if (!*exists) {
    drift.push_back({"inet netwarden_threats", "missing"});
    dirty_ = true;
  }
  return drift;
}

}  // namespace netwarden::agent
