#pragma once
// The narrow interface between the app firewall's logic and the kernel (Katran style: injected
// through the constructor). libbpf_kernel.cc implements it; tests use a fake.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "appfw/exe_identity.h"
#include "appfw/tables.h"
#include "core/result.h"

namespace netwarden::appfw {

// app id -> the executables that are that program (several after an upgrade: old processes
// keep running the old inode).
using Identities = std::map<uint32_t, std::vector<ExeId>>;

struct InstallReport {
  uint32_t generation = 0;
  bool adopted = false;  // pinned programs and maps were already in place
  size_t rule_entries = 0;
};

struct AttachedProgram {
  std::string hook;  // "connect4", ...
  uint32_t prog_id = 0;
  uint64_t cgroup_id = 0;
};

struct KernelStatus {
  bool installed = false;
  uint32_t generation = 0;
  AppAction default_action = AppAction::kAllow;
  std::vector<AttachedProgram> programs;
  size_t exes = 0, rule_entries = 0, listen_entries = 0, guards = 0;
};

struct AppEvent {
  uint64_t ts_ns = 0;  // CLOCK_MONOTONIC, as bpf_ktime_get_ns()
  std::string time;    // wall clock, UTC, ISO 8601 with milliseconds
  uint32_t pid = 0, uid = 0;
  std::string program;  // path, or "dev:ino" when unknown
  std::string hook;     // connect | sendmsg | bind | ingress
  std::string protocol;
  std::string remote;  // address ("" for bind)
  uint16_t port = 0;
  AppAction action = AppAction::kDeny;
  std::string rule;  // rule name or "default"
};

class AppFwKernel {
 public:
  virtual ~AppFwKernel() = default;
  // Loads (or adopts pinned) programs and maps, attaches them, writes `tables` as a new
  // generation and switches to it with one atomic store; then removes the old generation.
  virtual Result<InstallReport> Install(const CompiledTables& tables, const Identities& identities,
                                        bool log_allow) = 0;
  // Adds an executable to a program of the generation in force (binary replaced or created).
  virtual Result<void> AddExe(uint32_t generation, uint32_t app_id, ExeId exe) = 0;
  virtual Result<KernelStatus> Status() = 0;
  // Detaches everything and removes the pins. Nothing installed is not an error.
  virtual Result<void> Flush() = 0;
  // Calls `on_event` for each verdict event; returns after one pass unless `follow`, in which
  // case it runs until `keep_going` returns false.
  virtual Result<void> ReadEvents(const std::function<void(const AppEvent&)>& on_event, bool follow,
                                  const std::function<bool()>& keep_going) = 0;
};

}  // namespace netwarden::appfw
