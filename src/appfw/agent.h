#pragma once
// Keeps the kernel's tables equal to the compiled policy and the programs' identities current:
// a rule's executable may be replaced (package upgrade renames a new file over the old one) or
// may not exist yet. The kernel and the file system are injected.

#include <set>
#include <string>
#include <vector>

#include "appfw/exe_identity.h"
#include "appfw/kernel.h"
#include "appfw/tables.h"

namespace netwarden::appfw {

class AppFwAgent {
 public:
  AppFwAgent(AppFwKernel& kernel, ExeResolver& resolver) : kernel_(kernel), resolver_(resolver) {}

  // Resolves every program and installs the tables as a new generation.
  Result<InstallReport> Apply(CompiledTables tables, bool log_allow);
  // Re-resolves every program; a new (device, inode) is added to the generation in force, the
  // old one kept (processes started before the upgrade still run it). Returns changed paths.
  Result<std::vector<std::string>> Refresh();

  const CompiledTables& tables() const { return tables_; }
  // Programs named by rules that do not exist (yet).
  std::vector<std::string> MissingPrograms() const;

 private:
  AppFwKernel& kernel_;
  ExeResolver& resolver_;
  CompiledTables tables_;
  uint32_t generation_ = 0;
  std::vector<std::set<ExeId>> known_;  // per app id - 1
  std::vector<bool> present_;           // per app id - 1
};

}  // namespace netwarden::appfw
