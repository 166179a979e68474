#include "appfw/agent.h"

namespace netwarden::appfw {

Result<InstallReport> AppFwAgent::Apply(CompiledTables tables, bool log_allow) {
  Identities identities;
  std::vector<std::set<ExeId>> known(tables.programs.size());
  std::vector<bool> present(tables.programs.size(), false);
  for (size_t i = 0; i < tables.programs.size(); ++i) {
    // Executables seen before under the same path stay (old processes of an upgraded program).
    if (uint32_t old_id = tables_.AppId(tables.programs[i]); old_id != 0) {
      known[i] = known_[old_id - 1];
      for (const ExeId& exe : known[i]) identities[static_cast<uint32_t>(i + 1)].push_back(exe);
    }
    if (auto exe = resolver_.Resolve(tables.programs[i]); exe && !known[i].count(*exe)) {
      identities[static_cast<uint32_t>(i + 1)].push_back(*exe);
      known[i].insert(*exe);
    }
    present[i] = resolver_.Resolve(tables.programs[i]).has_value();
  }
  auto report = kernel_.Install(tables, identities, log_allow);
  if (!report) return report.error();
  tables_ = std::move(tables);
  known_ = std::move(known);
  present_ = std::move(present);
  generation_ = report->generation;
  return report;
}

Result<std::vector<std::string>> AppFwAgent::Refresh() {
  std::vector<std::string> changed;
  for (size_t i = 0; i < tables_.programs.size(); ++i) {
    auto exe = resolver_.Resolve(tables_.programs[i]);
    present_[i] = exe.has_value();
    if (!exe || known_[i].count(*exe)) continue;
    auto added = kernel_.AddExe(generation_, static_cast<uint32_t>(i + 1), *exe);
    if (!added) return added.error();
    known_[i].insert(*exe);
    changed.push_back(tables_.programs[i]);
  }
  return changed;
}

std::vector<std::string> AppFwAgent::MissingPrograms() const {
  std::vector<std::string> missing;
  for (size_t i = 0; i < tables_.programs.size(); ++i) {
    if (!present_[i]) missing.push_back(tables_.programs[i]);
  }
  return missing;
}

}  // namespace netwarden::appfw
