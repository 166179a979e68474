#include "appfw/program_watcher.h"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <set>

namespace netwarden::appfw {
namespace {

// The closest existing directory on the way to `path`: watching it notices the program (or a
// missing parent directory) being created.
std::string NearestExistingDirectory(const std::string& path) {
  std::string dir = path.substr(0, path.find_last_of('/'));
  while (!dir.empty()) {
    struct stat info {};
    if (stat(dir.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return dir;
    dir = dir.substr(0, dir.find_last_of('/'));
  }
  return "/";
}

class Inotify {
 public:
  Inotify() : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}
  ~Inotify() {
    if (fd_ >= 0) close(fd_);
  }
  Inotify(const Inotify&) = delete;
  Inotify& operator=(const Inotify&) = delete;
  int fd() const { return fd_; }

  void Watch(const std::vector<std::string>& programs) {
    std::set<std::string> dirs;
    for (const auto& program : programs) dirs.insert(NearestExistingDirectory(program));
    for (const auto& dir : dirs) {
      inotify_add_watch(fd_, dir.c_str(),
                        IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE);
    }
  }
  void Drain() {
    alignas(inotify_event) char buffer[4096];
    while (read(fd_, buffer, sizeof(buffer)) > 0) {
    }
  }

 private:
  int fd_;
};

}  // namespace

Result<void> ProgramWatcher::Run(const std::function<void()>& on_change,
                                 const std::function<bool()>& keep_going) {
  Inotify inotify;
  if (inotify.fd() < 0) {
    return MakeError(ErrorCode::kIo, std::string("inotify: ") + std::strerror(errno));
  }
  inotify.Watch(programs_);
  auto last_scan = std::chrono::steady_clock::now();
  while (keep_going()) {
    pollfd entry{inotify.fd(), POLLIN, 0};
    const int ready = poll(&entry, 1, 200);
    const auto now = std::chrono::steady_clock::now();
    const bool rescan = now - last_scan > std::chrono::milliseconds(rescan_ms_);
    if (ready > 0) {
      inotify.Drain();
      inotify.Watch(programs_);  // a directory on the way may have been created
    }
    if (ready > 0 || rescan) {
      on_change();
      last_scan = now;
    }
  }
  return Ok();
}

}  // namespace netwarden::appfw
