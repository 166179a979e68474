#pragma once
// AppFwKernel on the real kernel, through libbpf. Programs, links and maps are pinned under
// `pin_dir` (maps/<map>, links/<hook>): a killed agent leaves the policy in force, and the next
// Install adopts what is pinned (reuses the maps, swaps the links' programs atomically with
// BPF_LINK_UPDATE) instead of attaching twice.

#include <string>

#include "appfw/kernel.h"

namespace netwarden::appfw {

inline constexpr const char* kDefaultPinDir = "/sys/fs/bpf/netwarden";

class LibbpfKernel : public AppFwKernel {
 public:
  // `cgroup` is a cgroup-v2 directory (the attach point), `pin_dir` a directory in bpffs.
  LibbpfKernel(std::string cgroup, std::string pin_dir)
      : cgroup_(std::move(cgroup)), pin_dir_(std::move(pin_dir)) {}

  Result<InstallReport> Install(const CompiledTables& tables, const Identities& identities,
                                bool log_allow) override;
  Result<void> AddExe(uint32_t generation, uint32_t app_id, ExeId exe) override;
  Result<KernelStatus> Status() override;
  Result<void> Flush() override;
  Result<void> ReadEvents(const std::function<void(const AppEvent&)>& on_event, bool follow,
                          const std::function<bool()>& keep_going) override;

 private:
  std::string MapPin(const std::string& map) const { return pin_dir_ + "/maps/" + map; }
  std::string LinkPin(const std::string& hook) const { return pin_dir_ + "/links/" + hook; }

  std::string cgroup_;
  std::string pin_dir_;
};

// The cgroup-v2 mount point from /proc/mounts (e.g. /sys/fs/cgroup or /sys/fs/cgroup/unified).
Result<std::string> FindCgroup2Mount();

}  // namespace netwarden::appfw
