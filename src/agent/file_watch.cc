#include "agent/file_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace netwarden::agent {

Result<std::unique_ptr<FileWatch>> FileWatch::Open(const std::string& path) {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return MakeError(ErrorCode::kIo, std::string("inotify: ") + std::strerror(errno));
  std::unique_ptr<FileWatch> watch(new FileWatch(fd, path));
  namespace fs = std::filesystem;
  std::vector<fs::path> watched{fs::absolute(path)};
  std::error_code error;
  const fs::path target = fs::canonical(path, error);
  if (!error && target != watched.front()) watched.push_back(target);
  const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM;
  bool any = false;
  for (const auto& file : watched) {
    watch->names_.push_back(file.filename().string());
    if (inotify_add_watch(fd, file.parent_path().c_str(), mask) >= 0) any = true;
  }
  watch->WatchFileItself();
  if (!any) {
    return MakeError(ErrorCode::kIo, "inotify: cannot watch the directory of " + path + ": " +
                                         std::strerror(errno));
  }
  return watch;
}

FileWatch::~FileWatch() { close(fd_); }

void FileWatch::WatchFileItself() {
  // Re-added after every change: a rename over the file gives it a new inode.
  if (file_watch_ >= 0) inotify_rm_watch(fd_, file_watch_);
  file_watch_ = inotify_add_watch(
      fd_, path_.c_str(), IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF);
}

bool FileWatch::ReadPending() {
  alignas(inotify_event) char buffer[4096];
  bool changed = false;
  while (true) {
    const ssize_t length = read(fd_, buffer, sizeof(buffer));
    if (length <= 0) break;
    for (ssize_t offset = 0; offset < length;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
      if (event->mask & IN_Q_OVERFLOW) changed = true;
      if (event->wd == file_watch_ && file_watch_ >= 0) changed = true;
      if (event->len > 0 &&
          std::find(names_.begin(), names_.end(), std::string(event->name)) != names_.end()) {
        changed = true;
      }
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
  if (changed) WatchFileItself();
  return changed;
}

}  // namespace netwarden::agent
