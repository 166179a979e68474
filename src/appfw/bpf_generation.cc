#include "appfw/bpf_generation.h"

#include <bpf/bpf.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "appfw/bpf_fd.h"
#include "appfw/bpf_keys.h"

namespace netwarden::appfw {
namespace {

template <typename Key, typename Value>
Result<void> Put(int fd, const Key& key, const Value& value, const char* map) {
  if (bpf_map_update_elem(fd, &key, &value, BPF_ANY) != 0) {
    return KernelError(std::string("update ") + map, errno);
  }
  return Ok();
}

// Every key of a hash or LPM map whose generation field `keep_if` rejects is deleted.
template <typename Key, typename Predicate>
Result<void> DeleteWhere(int fd, Predicate drop, const char* map) {
  std::vector<Key> doomed;
  Key key{}, next{};
  bool first = true;
  while (bpf_map_get_next_key(fd, first ? nullptr : &key, &next) == 0) {
    if (drop(next)) doomed.push_back(next);
    key = next;
    first = false;
  }
  for (const Key& victim : doomed) {
    if (bpf_map_delete_elem(fd, &victim) != 0 && errno != ENOENT) {
      return KernelError(std::string("delete from ") + map, errno);
    }
  }
  return Ok();
}

}  // namespace

uint32_t ReadGeneration(int config_fd) {
  uint32_t zero = 0;
  uint64_t word = 0;
  if (bpf_map_lookup_elem(config_fd, &zero, &word) != 0) return 0;
  return NW_CONFIG_GEN(word);
}

Result<void> WriteGeneration(const MapFds& maps, uint32_t generation, const CompiledTables& tables,
                             const Identities& identities) {
  for (const auto& [app_id, exes] : identities) {
    for (const ExeId& exe : exes) {
      nw_exe_key key{generation, exe.dev, exe.ino};
      if (auto r = Put(maps.exes, key, app_id, "nw_exes"); !r) return r;
    }
  }
  for (const auto& [key, verdict] : tables.rule_entries) {
    auto r = Put(maps.rules, ToKernel(generation, key), ToKernel(verdict, key.remote.prefix_len()),
                 "nw_rules");
    if (!r) return r;
  }
  for (const auto& [key, verdict] : tables.listen_entries) {
    if (auto r = Put(maps.listen, ToKernel(generation, key), ToKernel(verdict, 0), "nw_listen"); !r)
      return r;
  }
  for (const auto& [key, value] : tables.guards) {
    nw_guard_val kernel_value{value.app_id, value.rule_id};
    if (auto r = Put(maps.guards, ToKernel(generation, key), kernel_value, "nw_guards"); !r)
      return r;
  }
  for (size_t i = 0; i < tables.programs.size(); ++i) {
    nw_name_key key{generation, 0, static_cast<uint32_t>(i + 1)};
    if (auto r = Put(maps.names, key, ToKernelName(tables.programs[i]), "nw_names"); !r) return r;
  }
  for (size_t i = 0; i < tables.rules.size(); ++i) {
    nw_name_key key{generation, 1, static_cast<uint32_t>(i + 1)};
    auto r = Put(maps.rule_names, key, ToKernelRuleName(tables.rules[i].name), "nw_rule_names");
    if (!r) return r;
  }
  return Ok();
}

Result<void> SwitchGeneration(int config_fd, uint64_t word) {
  const long page = sysconf(_SC_PAGESIZE);
  void* memory = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, config_fd, 0);
  if (memory == MAP_FAILED) return KernelError("mmap nw_config", errno);
  std::atomic_ref<uint64_t>(*static_cast<uint64_t*>(memory)).store(word);
  munmap(memory, page);
  return Ok();
}

void WaitForRunningPrograms() {
  if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Result<void> RemoveOldGenerations(const MapFds& maps, uint32_t keep) {
  auto other = [keep](const auto& key) { return key.gen != keep; };
  if (auto r = DeleteWhere<nw_exe_key>(maps.exes, other, "nw_exes"); !r) return r;
  if (auto r = DeleteWhere<nw_rule_key>(maps.rules, other, "nw_rules"); !r) return r;
  if (auto r = DeleteWhere<nw_listen_key>(maps.listen, other, "nw_listen"); !r) return r;
  if (auto r = DeleteWhere<nw_guard_key>(maps.guards, other, "nw_guards"); !r) return r;
  auto stale_name = [keep](const nw_name_key& key) {
    return key.gen != keep && key.gen + 1 != keep;
  };
  if (auto r = DeleteWhere<nw_name_key>(maps.names, stale_name, "nw_names"); !r) return r;
  return DeleteWhere<nw_name_key>(maps.rule_names, stale_name, "nw_rule_names");
}

}  // namespace netwarden::appfw
