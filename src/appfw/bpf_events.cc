// Verdict events: the pinned ring buffer, each event named from the pinned name tables.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/epoll.h>
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
    out.would_block = (event.flags & NW_EVENT_WOULD_BLOCK) != 0;
    out.rule = event.rule_id == NW_RULE_DEFAULT ? "default" : Name(event.gen, 1, event.rule_id);
    if (out.rule.empty()) out.rule = "rule#" + std::to_string(event.rule_id);
    (*on_event)(out);
  }
};

}  // namespace

// The pinned ring buffer and name tables, kept open: the agent's epoll loop watches fd() (an
// epoll descriptor of our own, so that it stays the same when the pins are replaced).
class EventRing {
 public:
  explicit EventRing(std::string maps_dir)
      : maps_dir_(std::move(maps_dir)), epoll_(epoll_create1(EPOLL_CLOEXEC)) {}
  ~EventRing() {
    if (ring_) ring_buffer__free(ring_);
  }
  int fd() const { return epoll_.get(); }

  // (Re)opens the pinned maps when the ones pinned now are not the ones being read.
  Result<void> Open() {
    Fd events(bpf_obj_get((maps_dir_ + "/nw_events").c_str()));
    Fd exes(bpf_obj_get((maps_dir_ + "/nw_exes").c_str()));
    Fd names(bpf_obj_get((maps_dir_ + "/nw_names").c_str()));
    Fd rule_names(bpf_obj_get((maps_dir_ + "/nw_rule_names").c_str()));
    if (!events.valid() || !exes.valid() || !names.valid() || !rule_names.valid()) {
      return MakeError(ErrorCode::kNotFound, "nothing installed under " + maps_dir_);
    }
    const uint32_t events_id = MapId(events.get()), names_id = MapId(names.get());
    if (ring_ && events_id == events_id_ && names_id == names_id_) return Ok();
    ring_buffer* ring = ring_buffer__new(events.get(), OnSample, this, nullptr);
    if (!ring) return KernelError("ring buffer", errno);
    if (ring_) {
      epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, events_.get(), nullptr);
      ring_buffer__free(ring_);
    }
    epoll_event watch{};
    watch.events = EPOLLIN;
    if (epoll_.valid() && epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, events.get(), &watch) != 0) {
      ring_buffer__free(ring);
      ring_ = nullptr;
      return KernelError("epoll nw_events", errno);
    }
    ring_ = ring;
    events_ = std::move(events);
    events_id_ = events_id;
    names_id_ = names_id;
    reader_.exes = (exes_ = std::move(exes)).get();
    reader_.names = (names_ = std::move(names)).get();
    reader_.rule_names = (rule_names_ = std::move(rule_names)).get();
    return Ok();
  }

  Result<size_t> Drain(const std::function<void(const AppEvent&)>& on_event, size_t max) {
    if (!ring_) {
      if (auto opened = Open(); !opened) return size_t{0};  // nothing installed (yet)
    }
    reader_.on_event = &on_event;
    read_ = 0;
    max_ = max;
    const int result = ring_buffer__consume(ring_);
    reader_.on_event = nullptr;
    if (result < 0 && result != kEnough && result != -EINTR) {
      return KernelError("read events", result);
    }
    return read_;
  }

 private:
  static constexpr int kEnough = -E2BIG;  // OnSample's "stop here": the cap is reached

  static uint32_t MapId(int fd) {
    bpf_map_info info{};
    uint32_t size = sizeof(info);
    return bpf_obj_get_info_by_fd(fd, &info, &size) == 0 ? info.id : 0;
  }

  // libbpf counts a sample as consumed before calling us, so stopping loses nothing.
  static int OnSample(void* context, void* data, size_t size) {
    auto* ring = static_cast<EventRing*>(context);
    if (size < sizeof(nw_event)) return 0;
    nw_event event;
    std::memcpy(&event, data, sizeof(event));
    ring->reader_.Handle(event);
    return ++ring->read_ >= ring->max_ ? kEnough : 0;
  }

  std::string maps_dir_;
  Fd epoll_;
  Fd events_, exes_, names_, rule_names_;
  uint32_t events_id_ = 0, names_id_ = 0;
  ring_buffer* ring_ = nullptr;
  Reader reader_;
  size_t read_ = 0, max_ = 0;
};

LibbpfKernel::LibbpfKernel(std::string cgroup, std::string pin_dir)
    : cgroup_(std::move(cgroup)), pin_dir_(std::move(pin_dir)) {}

LibbpfKernel::~LibbpfKernel() = default;

int LibbpfKernel::EventFd() {
  if (!ring_) {
    ring_ = std::make_unique<EventRing>(pin_dir_ + "/maps");
    (void)ring_->Open();  // nothing installed yet: opened after the first Install
  }
  return ring_->fd();
}

Result<size_t> LibbpfKernel::DrainEvents(const std::function<void(const AppEvent&)>& on_event,
                                         size_t max) {
  (void)EventFd();
  return ring_->Drain(on_event, max);
}

void LibbpfKernel::ReopenEvents() {
  if (ring_) (void)ring_->Open();
}

Result<void> LibbpfKernel::ReadEvents(const std::function<void(const AppEvent&)>& on_event,
                                      bool follow, const std::function<bool()>& keep_going) {
  EventRing ring(pin_dir_ + "/maps");
  if (auto opened = ring.Open(); !opened) return opened.error();
  constexpr size_t kBatch = 4096;
  while (true) {
    auto read = ring.Drain(on_event, kBatch);
    if (!read) return read.error();
    if (*read == kBatch) continue;
    if (!follow || !keep_going()) return Ok();
    epoll_event ready{};
    epoll_wait(ring.fd(), &ready, 1, 200);
  }
}

}  // namespace netwarden::appfw
