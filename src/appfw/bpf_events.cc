// LibbpfKernel::ReadEvents: the pinned ring buffer of verdicts, named from the pinned name table.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "appfw/bpf_fd.h"
#include "appfw/bpf_keys.h"
#include "appfw/libbpf_kernel.h"

namespace netwarden::appfw {
namespace {

// The event's monotonic timestamp as UTC wall-clock time (now minus its age).
std::string WallClock(uint64_t monotonic_ns) {
  timespec mono{}, real{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  const int64_t now_mono = int64_t{mono.tv_sec} * 1000000000 + mono.tv_nsec;
  const int64_t now_real = int64_t{real.tv_sec} * 1000000000 + real.tv_nsec;
  const int64_t at = now_real - (now_mono - static_cast<int64_t>(monotonic_ns));
  const time_t seconds = static_cast<time_t>(at / 1000000000);
  tm parts{};
  gmtime_r(&seconds, &parts);
  char text[40];
  const size_t length = strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &parts);
  snprintf(text + length, sizeof(text) - length, ".%03dZ",
           static_cast<int>((at % 1000000000) / 1000000));
  return text;
}

const char* HookName(uint8_t hook) {
  switch (hook) {
    case NW_HOOK_CONNECT:
      return "connect";
    case NW_HOOK_SENDMSG:
      return "sendmsg";
    case NW_HOOK_BIND:
      return "bind";
    case NW_HOOK_INGRESS:
      return "ingress";
  }
  return "?";
}

struct Reader {
  int exes = -1, names = -1, rule_names = -1;
  const std::function<void(const AppEvent&)>* on_event = nullptr;

  // kind 0: a program path (nw_names); kind 1: a rule name (nw_rule_names).
  std::string Name(uint32_t gen, uint32_t kind, uint32_t id) const {
    nw_name_key key{gen, kind, id};
    nw_name value{};  // large enough for either value type
    if (bpf_map_lookup_elem(kind == 0 ? names : rule_names, &key, &value) != 0) return "";
    return std::string(value.text, strnlen(value.text, sizeof(value.text)));
  }

  // The rule's program path when the executable is known; else what /proc says the process
  // runs (if it still runs that same inode); else "dev:ino".
  std::string Program(const nw_event& event) const {
    nw_exe_key key{event.gen, event.dev, event.ino};
    uint32_t app = 0;
    if (bpf_map_lookup_elem(exes, &key, &app) == 0) {
      if (auto name = Name(event.gen, 0, app); !name.empty()) return name;
    }
    if (event.pid != 0) {
      const std::string link = "/proc/" + std::to_string(event.pid) + "/exe";
      char target[4096];
      struct stat info {};
      const ssize_t length = readlink(link.c_str(), target, sizeof(target) - 1);
      if (length > 0 && stat(link.c_str(), &info) == 0 && info.st_ino == event.ino &&
          KernelDev(info.st_dev) == event.dev) {
        return std::string(target, static_cast<size_t>(length));
      }
    }
    if (event.ino == 0) return "(kernel)";
    const std::string comm(event.comm, strnlen(event.comm, sizeof(event.comm)));
    return (comm.empty() ? "" : comm + "@") + std::to_string(event.dev >> 20) + ":" +
           std::to_string(event.dev & 0xfffff) + ":" + std::to_string(event.ino);
  }

  void Handle(const nw_event& event) const {
    AppEvent out;
    out.ts_ns = event.ts_ns;
    out.time = WallClock(event.ts_ns);
    out.pid = event.pid;
    out.uid = event.uid;
    out.program = Program(event);
    out.hook = HookName(event.hook);
    out.protocol = event.proto == 6    ? "tcp"
                   : event.proto == 17 ? "udp"
                                       : std::to_string(event.proto);
    out.remote = event.hook == NW_HOOK_BIND ? "" : AddressText(event.family, event.addr);
    out.port = event.port;
    out.action = event.action == NW_ACTION_DENY ? AppAction::kDeny : AppAction::kAllow;
    out.rule = event.rule_id == NW_RULE_DEFAULT ? "default" : Name(event.gen, 1, event.rule_id);
    if (out.rule.empty()) out.rule = "rule#" + std::to_string(event.rule_id);
    (*on_event)(out);
  }
};

int OnSample(void* context, void* data, size_t size) {
  if (size < sizeof(nw_event)) return 0;
  nw_event event;
  std::memcpy(&event, data, sizeof(event));
  static_cast<Reader*>(context)->Handle(event);
  return 0;
}

}  // namespace

Result<void> LibbpfKernel::ReadEvents(const std::function<void(const AppEvent&)>& on_event,
                                      bool follow, const std::function<bool()>& keep_going) {
  Fd events(bpf_obj_get(MapPin("nw_events").c_str()));
  Fd exes(bpf_obj_get(MapPin("nw_exes").c_str()));
  Fd names(bpf_obj_get(MapPin("nw_names").c_str()));
  Fd rule_names(bpf_obj_get(MapPin("nw_rule_names").c_str()));
  if (!events.valid() || !exes.valid() || !names.valid() || !rule_names.valid()) {
    return MakeError(ErrorCode::kNotFound, "nothing installed under " + pin_dir_);
  }
  Reader reader{exes.get(), names.get(), rule_names.get(), &on_event};
  ring_buffer* ring = ring_buffer__new(events.get(), OnSample, &reader, nullptr);
  if (!ring) return KernelError("ring buffer", errno);
  int result = 0;
  do {
    result = ring_buffer__poll(ring, follow ? 200 : 0);
  } while (result >= 0 && follow && keep_going());
  if (result >= 0) result = ring_buffer__consume(ring);
  ring_buffer__free(ring);
  if (result < 0 && result != -EINTR) return KernelError("read events", result);
  return Ok();
}

}  // namespace netwarden::appfw
