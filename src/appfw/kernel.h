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
  bool would_block = false;  // report mode: a deny the kernel let through
  std::string rule;          // rule name or "default"
};

// What Check() found different from what this object last installed.
struct KernelDrift {
  std::string object;  // "link connect4", "pin /sys/fs/bpf/netwarden/maps/nw_rules"
  std::string found;   // "missing" | "changed"
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
  // Compares the pins and links with what the last successful Install of this object left:
  // every hook's link pinned and attached to the cgroup running our program, every map pinned
  // (the same map), the config word unchanged. Empty when nothing was installed by this object.
  virtual Result<std::vector<KernelDrift>> Check() = 0;
  // A file descriptor that is readable while verdict events are pending (stable for the
  // object's lifetime; -1 when events cannot be read). For an epoll loop.
  virtual int EventFd() = 0;
  // Consumes up to `max` pending events without blocking; returns how many were read.
  virtual Result<size_t> DrainEvents(const std::function<void(const AppEvent&)>& on_event,
                                     size_t max) = 0;
  // Calls `on_event` for each verdict event; returns after one pass unless `follow`, in which
  // case it runs until `keep_going` returns false.
  virtual Result<void> ReadEvents(const std::function<void(const AppEvent&)>& on_event, bool follow,
                                  const std::function<bool()>& keep_going) = 0;
};

}  // namespace netwarden::appfw
