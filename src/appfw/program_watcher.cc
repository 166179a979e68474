#include "appfw/program_watcher.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

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

constexpr uint32_t kEvents = IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE;

}  // namespace

ProgramWatcher::ProgramWatcher(std::chrono::milliseconds rescan)
    : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)), rescan_(rescan), last_due_(Clock::now()) {}

ProgramWatcher::~ProgramWatcher() {
  if (fd_ >= 0) close(fd_);
}

void ProgramWatcher::Watch(const std::vector<std::string>& programs) {
  programs_ = programs;
  for (const auto& [dir, wd] : watches_) inotify_rm_watch(fd_, wd);
  watches_.clear();
  AddWatches();
}

void ProgramWatcher::AddWatches() {
  if (fd_ < 0) return;
  std::set<std::string> dirs;
  for (const auto& program : programs_) dirs.insert(NearestExistingDirectory(program));
  for (const auto& dir : dirs) {
    if (watches_.count(dir)) continue;
    const int wd = inotify_add_watch(fd_, dir.c_str(), kEvents);
    if (wd >= 0) watches_[dir] = wd;
  }
}

bool ProgramWatcher::Due(Clock::time_point now) {
  bool changed = false;
  if (fd_ >= 0) {
    alignas(inotify_event) char buffer[4096];
    while (read(fd_, buffer, sizeof(buffer)) > 0) changed = true;
  }
  if (changed) AddWatches();  // a directory on the way may have been created
  if (!changed && now - last_due_ < rescan_) return false;
  last_due_ = now;
  return true;
}

}  // namespace netwarden::appfw
