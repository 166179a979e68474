#pragma once
// AppFwKernel on the real kernel, through libbpf. Programs, links and maps are pinned under
// `pin_dir` (maps/<map>, links/<hook>): a killed agent leaves the policy in force, and the next
// Install adopts what is pinned (reuses the maps, swaps the links' programs atomically with
// BPF_LINK_UPDATE) instead of attaching twice.

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "appfw/kernel.h"

namespace netwarden::appfw {

inline constexpr const char* kDefaultPinDir = "/sys/fs/bpf/netwarden";

// The hooks (one pinned link each) and the maps (one pin each) of src/bpf/appfw.bpf.c; the
// bpf_keys test holds them equal to the object's programs and maps.
inline constexpr const char* kHooks[] = {"connect4", "connect6", "sendmsg4",    "sendmsg6",
                                         "bind4",    "bind6",    "sock_create", "ingress"};
inline constexpr const char* kMaps[] = {"nw_config",     "nw_exes",      "nw_rules",
                                        "nw_listen",     "nw_guards",    "nw_names",
                                        "nw_rule_names", "nw_sock_tags", "nw_events"};

class EventRing;

class LibbpfKernel : public AppFwKernel {
 public:
  // `cgroup` is a cgroup-v2 directory (the attach point), `pin_dir` a directory in bpffs.
  LibbpfKernel(std::string cgroup, std::string pin_dir);
  ~LibbpfKernel() override;

  Result<InstallReport> Install(const CompiledTables& tables, const Identities& identities,
                                bool log_allow) override;
  Result<void> AddExe(uint32_t generation, uint32_t app_id, ExeId exe) override;
  Result<KernelStatus> Status() override;
  Result<void> Flush() override;
  Result<void> ReadEvents(const std::function<void(const AppEvent&)>& on_event, bool follow,
                          const std::function<bool()>& keep_going) override;
  Result<std::vector<KernelDrift>> Check() override;
  int EventFd() override;
  Result<size_t> DrainEvents(const std::function<void(const AppEvent&)>& on_event,
                             size_t max) override;

 private:
  // What the last Install left in the kernel, for Check().
  struct Installed {
    std::map<std::string, uint32_t> link_ids, prog_ids;  // by hook
    std::map<std::string, uint32_t> map_ids;             // by map name
    uint64_t config_word = 0;
  };

  void ReopenEvents();  // after Install: the pins may name new maps
  std::string MapPin(const std::string& map) const { return pin_dir_ + "/maps/" + map; }
  std::string LinkPin(const std::string& hook) const { return pin_dir_ + "/links/" + hook; }

  std::string cgroup_;
  std::string pin_dir_;
  std::optional<Installed> installed_;
  std::unique_ptr<EventRing> ring_;  // the agent's persistent reader of nw_events
};

// The cgroup-v2 mount point from /proc/mounts (e.g. /sys/fs/cgroup or /sys/fs/cgroup/unified).
Result<std::string> FindCgroup2Mount();

}  // namespace netwarden::appfw
