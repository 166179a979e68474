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

// The maps whose keys carry a generation form one set: programs must read all of them from the
// same set. The socket tags (keyed by socket) and the event ring are shared by any program.
bool IsTableMap(const std::string& name) { return name != "nw_sock_tags" && name != "nw_events"; }

uint32_t ObjectId(int fd) {
  bpf_prog_info info{};  // every bpf_*_info starts with (type, id)
  uint32_t size = sizeof(info);
  return bpf_obj_get_info_by_fd(fd, &info, &size) == 0 ? info.id : 0;
}

// Adoption: reuses every pinned map. When only part of the table set is pinned (someone removed
// a pin), none of it is reused: the new programs get a complete fresh set, filled before any
// link runs them (PinMaps replaces the stale pins).
Result<void> ReusePinnedMaps(bpf_object* object, const std::string& maps_dir) {
  bool tables_complete = true;
  for (const char* name : kMaps) {
    if (IsTableMap(name) && !Exists(maps_dir + "/" + name)) tables_complete = false;
  }
  bpf_map* map;
  bpf_object__for_each_map(map, object) {
    if (bpf_map__is_internal(map)) continue;  // .rodata and friends belong to one load
    const std::string name = bpf_map__name(map);
    const std::string path = maps_dir + "/" + name;
    if (!Exists(path) || (IsTableMap(name) && !tables_complete)) continue;
    Fd fd(bpf_obj_get(path.c_str()));
    if (!fd.valid()) return KernelError("open pinned " + path, errno);
    if (int err = bpf_map__reuse_fd(map, fd.get()); err) return KernelError("reuse " + path, err);
  }
  return Ok();
}

// Pins every map of the loaded object, replacing pins of other maps (an incomplete old set).
Result<void> PinMaps(bpf_object* object, const std::string& maps_dir) {
  bpf_map* map;
  bpf_object__for_each_map(map, object) {
    if (bpf_map__is_internal(map)) continue;
    const std::string path = maps_dir + "/" + bpf_map__name(map);
    if (Exists(path)) {
      Fd pinned(bpf_obj_get(path.c_str()));
      if (pinned.valid() && ObjectId(pinned.get()) == ObjectId(bpf_map__fd(map))) continue;
      if (unlink(path.c_str()) != 0) return KernelError("replace pin " + path, errno);
    }
    if (int err = bpf_map__pin(map, path.c_str()); err) return KernelError("pin " + path, err);
  }
  return Ok();
}

struct LinkIds {
  std::map<std::string, uint32_t> links, programs;
};

Result<void> AttachOrUpdateLinks(bpf_object* object, const std::string& links_dir,
                                 const std::string& cgroup, bool& adopted, LinkIds& ids) {
  Fd cgroup_fd(open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup_fd.valid()) return KernelError("open cgroup " + cgroup, errno);
  const uint64_t cgroup_id = CgroupId(cgroup);
  bpf_program* program;
  bpf_object__for_each_program(program, object) {
    const std::string hook = HookOf(program);
    const std::string path = links_dir + "/" + hook;
    ids.programs[hook] = ObjectId(bpf_program__fd(program));
    if (Exists(path)) {
      Fd link(bpf_obj_get(path.c_str()));
      if (!link.valid()) return KernelError("open pinned " + path, errno);
      auto info = LinkInfo(link.get());
      if (!info) return info.error();
      if (info->cgroup.cgroup_id == 0) {
        // Detached by someone else (BPF_LINK_DETACH): a defunct link; attach a new one.
        if (unlink(path.c_str()) != 0) return KernelError("remove defunct " + path, errno);
      } else if (info->cgroup.cgroup_id != cgroup_id) {
        return MakeError(ErrorCode::kKernel, path + " is attached to another cgroup (id " +
                                                 std::to_string(info->cgroup.cgroup_id) +
                                                 "): flush it first");
      } else {
        // The pinned link now runs the new program: one atomic replacement, no detach.
        if (bpf_link_update(link.get(), bpf_program__fd(program), nullptr) != 0) {
          return KernelError("update " + path, errno);
        }
        ids.links[hook] = info->id;
        adopted = true;
        continue;
      }
    }
    bpf_link* link = bpf_program__attach_cgroup(program, cgroup_fd.get());
    if (!link) return KernelError("attach " + hook + " to " + cgroup, errno);
    ids.links[hook] = ObjectId(bpf_link__fd(link));
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
  if (auto r = ReusePinnedMaps(skeleton.object->obj, pin_dir_ + "/maps"); !r) {
    return WithLog(r.error());
  }
  if (int err = appfw_bpf__load(skeleton.object)) {
    return WithLog(KernelError("load BPF programs (pinned maps from another version? flush)", err));
  }
  auto& m = skeleton.object->maps;
  MapFds maps{bpf_map__fd(m.nw_config),    bpf_map__fd(m.nw_exes),   bpf_map__fd(m.nw_rules),
              bpf_map__fd(m.nw_listen),    bpf_map__fd(m.nw_guards), bpf_map__fd(m.nw_names),
              bpf_map__fd(m.nw_rule_names)};
  // The complete new generation is in force in the maps before any link runs a new program:
  // whichever program a hook runs during the swap, it reads one complete table set.
  InstallReport report;
  report.generation = ReadGeneration(maps.config) + 1;
  if (report.generation == 0) report.generation = 1;  // 0 means "nothing installed"
  if (auto r = WriteGeneration(maps, report.generation, tables, identities); !r) {
    (void)RemoveOldGenerations(maps, ReadGeneration(maps.config));  // drop the half-written one
    return r.error();
  }
  const uint64_t word =
      ConfigWord(report.generation, tables.default_action, log_allow, tables.report);
  if (auto r = SwitchGeneration(maps.config, word); !r) return r.error();
  if (auto r = PinMaps(skeleton.object->obj, pin_dir_ + "/maps"); !r) return WithLog(r.error());
  LinkIds links;
  if (auto r = AttachOrUpdateLinks(skeleton.object->obj, pin_dir_ + "/links", cgroup_,
                                   report.adopted, links);
      !r) {
    return WithLog(r.error());
  }
  WaitForRunningPrograms();  // nobody still reads the old generation when we delete it
  if (auto r = RemoveOldGenerations(maps, report.generation); !r) return r.error();
  report.rule_entries = tables.rule_entries.size();

  Installed installed;
  installed.link_ids = std::move(links.links);
  installed.prog_ids = std::move(links.programs);
  bpf_map* map;
  bpf_object__for_each_map(map, skeleton.object->obj) {
    if (!bpf_map__is_internal(map))
      installed.map_ids[bpf_map__name(map)] = ObjectId(bpf_map__fd(map));
  }
  installed.config_word = word;
  installed_ = std::move(installed);
  ReopenEvents();
  return report;
}

Result<std::vector<KernelDrift>> LibbpfKernel::Check() {
  std::vector<KernelDrift> drift;
  if (!installed_) return drift;
  const uint64_t cgroup_id = CgroupId(cgroup_);
  for (const char* hook : kHooks) {
    Fd link(bpf_obj_get(LinkPin(hook).c_str()));
    if (!link.valid()) {
      drift.push_back({std::string("link ") + hook, errno == ENOENT ? "missing" : "changed"});
      continue;
    }
    auto info = LinkInfo(link.get());
    if (!info || info->cgroup.cgroup_id != cgroup_id || info->id != installed_->link_ids[hook] ||
        info->prog_id != installed_->prog_ids[hook]) {
      drift.push_back({std::string("link ") + hook, "changed"});
    }
  }
  for (const char* name : kMaps) {
    Fd map(bpf_obj_get(MapPin(name).c_str()));
    if (!map.valid()) {
      drift.push_back({"pin " + MapPin(name), errno == ENOENT ? "missing" : "changed"});
      continue;
    }
    uint32_t zero = 0;
    uint64_t word = 0;
    const bool config_changed =
        std::string(name) == "nw_config" &&
        (bpf_map_lookup_elem(map.get(), &zero, &word) != 0 || word != installed_->config_word);
    if (ObjectId(map.get()) != installed_->map_ids[name] || config_changed) {
      drift.push_back({"pin " + MapPin(name), "changed"});
    }
  }
  return drift;
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
  installed_.reset();
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
