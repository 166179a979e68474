#include "appfw/libbpf_kernel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cstdarg>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "appfw.skel.h"
#include "appfw/bpf_fd.h"
#include "appfw/bpf_generation.h"
#include "appfw/bpf_keys.h"

namespace netwarden::appfw {
namespace {

namespace fs = std::filesystem;

// libbpf's messages (verifier log included) are kept for the error we return.
std::string& LibbpfLog() {
  static std::string log;
  return log;
}

int CollectLibbpfLog(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[1024];
  vsnprintf(line, sizeof(line), format, args);
  LibbpfLog() += line;
  return 0;
}

Error WithLog(Error error) {
  if (!LibbpfLog().empty()) error.message += "\n" + LibbpfLog();
  LibbpfLog().clear();
  return error;
}

// "nw_connect4" -> "connect4"
std::string HookOf(const bpf_program* program) {
  std::string name = bpf_program__name(program);
  return name.rfind("nw_", 0) == 0 ? name.substr(3) : name;
}

constexpr long kBpfFsMagic = 0xcafe4a11;
constexpr long kCgroup2Magic = 0x63677270;

// Checked before anything is loaded, so that a wrong path changes nothing.
Result<void> CheckPlaces(const std::string& cgroup, const std::string& pin_dir) {
  struct statfs info {};
  if (statfs(cgroup.c_str(), &info) != 0 || info.f_type != kCgroup2Magic) {
    return MakeError(ErrorCode::kInvalidArgument, cgroup + " is not a cgroup-v2 directory");
  }
  const std::string parent = fs::path(pin_dir).parent_path();
  struct stat existing {};
  const std::string probe = stat(pin_dir.c_str(), &existing) == 0 ? pin_dir : parent;
  if (statfs(probe.c_str(), &info) != 0 || info.f_type != kBpfFsMagic) {
    return MakeError(ErrorCode::kInvalidArgument,
                     probe + " is not on a bpf file system (mount -t bpf bpffs /sys/fs/bpf)");
  }
  return Ok();
}

bool Exists(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0;
}

uint64_t CgroupId(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 ? static_cast<uint64_t>(info.st_ino) : 0;
}

Result<bpf_link_info> LinkInfo(int fd) {
  bpf_link_info info{};
  uint32_t size = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &size) != 0) return KernelError("link info", errno);
  return info;
}

struct Skeleton {
  appfw_bpf* object = nullptr;
  ~Skeleton() { appfw_bpf__destroy(object); }
};

// Reuses every pinned map (adoption) and pins the ones that are new.
Result<void> ReuseOrPinMaps(bpf_object* object, const std::string& maps_dir, bool pin) {
  bpf_map* map;
  bpf_object__for_each_map(map, object) {
    if (bpf_map__is_internal(map)) continue;  // .rodata and friends belong to one load
    const std::string path = maps_dir + "/" + bpf_map__name(map);
    if (!pin) {
      if (!Exists(path)) continue;
      Fd fd(bpf_obj_get(path.c_str()));
      if (!fd.valid()) return KernelError("open pinned " + path, errno);
      if (int err = bpf_map__reuse_fd(map, fd.get()); err) return KernelError("reuse " + path, err);
    } else if (!Exists(path)) {
      if (int err = bpf_map__pin(map, path.c_str()); err) return KernelError("pin " + path, err);
    }
  }
  return Ok();
}

Result<void> AttachOrUpdateLinks(bpf_object* object, const std::string& links_dir,
                                 const std::string& cgroup, bool& adopted) {
  Fd cgroup_fd(open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup_fd.valid()) return KernelError("open cgroup " + cgroup, errno);
  const uint64_t cgroup_id = CgroupId(cgroup);
  bpf_program* program;
  bpf_object__for_each_program(program, object) {
    const std::string path = links_dir + "/" + HookOf(program);
    if (Exists(path)) {
      Fd link(bpf_obj_get(path.c_str()));
      if (!link.valid()) return KernelError("open pinned " + path, errno);
      auto info = LinkInfo(link.get());
      if (!info) return info.error();
      if (info->cgroup.cgroup_id != cgroup_id) {
        return MakeError(ErrorCode::kKernel, path + " is attached to another cgroup (id " +
                                                 std::to_string(info->cgroup.cgroup_id) +
                                                 "): flush it first");
      }
      // The pinned link now runs the new program: one atomic replacement, no detach.
      if (bpf_link_update(link.get(), bpf_program__fd(program), nullptr) != 0) {
        return KernelError("update " + path, errno);
      }
      adopted = true;
      continue;
    }
    bpf_link* link = bpf_program__attach_cgroup(program, cgroup_fd.get());
    if (!link) return KernelError("attach " + HookOf(program) + " to " + cgroup, errno);
    const int err = bpf_link__pin(link, path.c_str());
    bpf_link__destroy(link);  // the pin keeps it attached
    if (err) return KernelError("pin " + path, err);
  }
  return Ok();
}

Result<MapFds> OpenPinnedMaps(const std::string& maps_dir, std::vector<Fd>& holder) {
  auto open_map = [&](const char* name) -> int {
    holder.emplace_back(bpf_obj_get((maps_dir + "/" + name).c_str()));
    return holder.back().get();
  };
  MapFds fds;
  fds.config = open_map("nw_config");
  fds.exes = open_map("nw_exes");
  fds.rules = open_map("nw_rules");
  fds.listen = open_map("nw_listen");
  fds.guards = open_map("nw_guards");
  fds.names = open_map("nw_names");
  fds.rule_names = open_map("nw_rule_names");
  for (const Fd& fd : holder) {
    if (!fd.valid()) {
      return MakeError(ErrorCode::kNotFound, "nothing installed under " + maps_dir);
    }
  }
  return fds;
}

size_t CountGeneration(int fd, size_t key_size, uint32_t gen, size_t gen_offset) {
  std::vector<uint8_t> key(key_size), next(key_size);
  size_t count = 0;
  bool first = true;
  while (bpf_map_get_next_key(fd, first ? nullptr : key.data(), next.data()) == 0) {
    uint32_t key_gen;
    std::memcpy(&key_gen, next.data() + gen_offset, sizeof(key_gen));
    if (key_gen == gen) ++count;
    key = next;
    first = false;
  }
  return count;
}

}  // namespace

Result<std::string> FindCgroup2Mount() {
  std::ifstream mounts("/proc/mounts");
  std::string line;
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    std::string device, mount_point, type;
    fields >> device >> mount_point >> type;
    if (type == "cgroup2") return mount_point;
  }
  return MakeError(ErrorCode::kNotFound, "no cgroup2 file system in /proc/mounts");
}

Result<InstallReport> LibbpfKernel::Install(const CompiledTables& tables,
                                            const Identities& identities, bool log_allow) {
  libbpf_set_print(CollectLibbpfLog);
  if (auto r = CheckPlaces(cgroup_, pin_dir_); !r) return r.error();
  std::error_code ec;
  fs::create_directories(pin_dir_ + "/maps", ec);
  fs::create_directories(pin_dir_ + "/links", ec);
  if (ec) return MakeError(ErrorCode::kIo, "create " + pin_dir_ + ": " + ec.message());

  Skeleton skeleton;
  skeleton.object = appfw_bpf__open();
  if (!skeleton.object) return WithLog(KernelError("open BPF object", errno));
  if (auto r = ReuseOrPinMaps(skeleton.object->obj, pin_dir_ + "/maps", false); !r) {
    return WithLog(r.error());
  }
  if (int err = appfw_bpf__load(skeleton.object)) {
    return WithLog(KernelError("load BPF programs (pinned maps from another version? flush)", err));
  }
  if (auto r = ReuseOrPinMaps(skeleton.object->obj, pin_dir_ + "/maps", true); !r) {
    return WithLog(r.error());
  }
  InstallReport report;
  if (auto r =
          AttachOrUpdateLinks(skeleton.object->obj, pin_dir_ + "/links", cgroup_, report.adopted);
      !r) {
    return WithLog(r.error());
  }
  MapFds maps{
      bpf_map__fd(skeleton.object->maps.nw_config),    bpf_map__fd(skeleton.object->maps.nw_exes),
      bpf_map__fd(skeleton.object->maps.nw_rules),     bpf_map__fd(skeleton.object->maps.nw_listen),
      bpf_map__fd(skeleton.object->maps.nw_guards),    bpf_map__fd(skeleton.object->maps.nw_names),
      bpf_map__fd(skeleton.object->maps.nw_rule_names)};
  report.generation = ReadGeneration(maps.config) + 1;
  if (report.generation == 0) report.generation = 1;  // 0 means "nothing installed"
  if (auto r = WriteGeneration(maps, report.generation, tables, identities); !r) {
    (void)RemoveOldGenerations(maps, ReadGeneration(maps.config));  // drop the half-written one
    return r.error();
  }
  auto word = ConfigWord(report.generation, tables.default_action, log_allow);
  if (auto r = SwitchGeneration(maps.config, word); !r) return r.error();
  WaitForRunningPrograms();  // nobody still reads the old generation when we delete it
  if (auto r = RemoveOldGenerations(maps, report.generation); !r) return r.error();
  report.rule_entries = tables.rule_entries.size();
  return report;
}

Result<void> LibbpfKernel::AddExe(uint32_t generation, uint32_t app_id, ExeId exe) {
  Fd fd(bpf_obj_get(MapPin("nw_exes").c_str()));
  if (!fd.valid()) return KernelError("open " + MapPin("nw_exes"), errno);
  nw_exe_key key{generation, exe.dev, exe.ino};
  if (bpf_map_update_elem(fd.get(), &key, &app_id, BPF_ANY) != 0) {
    return KernelError("update nw_exes", errno);
  }
  return Ok();
}

Result<KernelStatus> LibbpfKernel::Status() {
  KernelStatus status;
  std::vector<Fd> holder;
  auto maps = OpenPinnedMaps(pin_dir_ + "/maps", holder);
  if (!maps) return status;  // nothing installed
  status.installed = true;
  uint32_t zero = 0;
  uint64_t word = 0;
  bpf_map_lookup_elem(maps->config, &zero, &word);
  status.generation = NW_CONFIG_GEN(word);
  status.default_action =
      NW_CONFIG_DEFAULT(word) == NW_ACTION_DENY ? AppAction::kDeny : AppAction::kAllow;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(pin_dir_ + "/links", ec)) {
    Fd link(bpf_obj_get(entry.path().c_str()));
    if (!link.valid()) continue;
    auto info = LinkInfo(link.get());
    if (!info) continue;
    status.programs.push_back({entry.path().filename(), info->prog_id, info->cgroup.cgroup_id});
  }
  const uint32_t gen = status.generation;
  status.exes = CountGeneration(maps->exes, sizeof(nw_exe_key), gen, 0);
  status.rule_entries =
      CountGeneration(maps->rules, sizeof(nw_rule_key), gen, offsetof(nw_rule_key, gen));
  status.listen_entries = CountGeneration(maps->listen, sizeof(nw_listen_key), gen, 0);
  status.guards = CountGeneration(maps->guards, sizeof(nw_guard_key), gen, 0);
  return status;
}

Result<void> LibbpfKernel::Flush() {
  std::error_code ec;
  // Links first: removing the last reference to a link detaches its program.
  for (const char* sub : {"/links", "/maps"}) {
    for (const auto& entry : fs::directory_iterator(pin_dir_ + sub, ec)) {
      if (unlink(entry.path().c_str()) != 0)
        return KernelError("unpin " + entry.path().string(), errno);
    }
    rmdir((pin_dir_ + sub).c_str());
  }
  if (Exists(pin_dir_) && rmdir(pin_dir_.c_str()) != 0) {
    return KernelError("remove " + pin_dir_, errno);
  }
  return Ok();
}

}  // namespace netwarden::appfw
