#pragma once
// Writes one generation of the tables into the pinned maps, switches the config word to it and
// removes older generations. The programs read the generation once per decision, so a decision
// sees either the whole old policy or the whole new one — never a mix, never a gap.

#include "appfw/kernel.h"
#include "appfw/tables.h"

namespace netwarden::appfw {

struct MapFds {
  int config = -1, exes = -1, rules = -1, listen = -1, guards = -1, names = -1, rule_names = -1;
};

uint32_t ReadGeneration(int config_fd);

Result<void> WriteGeneration(const MapFds& maps, uint32_t generation, const CompiledTables& tables,
                             const Identities& identities);
// One aligned 64-bit store through the map's mmap: generation, default action, log-allow.
Result<void> SwitchGeneration(int config_fd, uint64_t word);
// Returns once every BPF program run that may have read the previous config word has finished:
// the hooks run inside rcu_read_lock(), and membarrier(MEMBARRIER_CMD_GLOBAL) is a
// synchronize_rcu(). Falls back to a long sleep where that command is unavailable.
void WaitForRunningPrograms();
// Deletes entries of generations other than `keep` (names: other than keep and keep - 1, so
// events emitted just before the switch can still be named).
Result<void> RemoveOldGenerations(const MapFds& maps, uint32_t keep);

}  // namespace netwarden::appfw
