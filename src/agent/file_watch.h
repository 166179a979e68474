#pragma once
// Watches one file for replacement or rewrite (inotify on its directory, and on its symlink
// target's directory: resolv.conf is usually written by renaming a new file over it, often
// behind a symlink into /run).

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace netwarden::agent {

class FileWatch {
 public:
  static Result<std::unique_ptr<FileWatch>> Open(const std::string& path);
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  int fd() const { return fd_; }
  // Reads pending notifications; true when the watched file may have changed.
  bool ReadPending();

 private:
  FileWatch(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void WatchFileItself();
  int fd_;
  std::string path_;
  int file_watch_ = -1;  // the file's own inode: writes through a bind mount or another path
  std::vector<std::string> names_;  // basenames that count (the path's and its target's)
};

}  // namespace netwarden::agent
