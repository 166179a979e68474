#pragma once
// A single-threaded epoll loop: file descriptors, one-shot timers and work posted from other
// threads (probes and name lookups run on worker threads and report back here).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "core/result.h"

namespace netwarden::agent {

class EventLoop {
 public:
  using Callback = std::function<void()>;
  using TimerId = int;

  static Result<std::unique_ptr<EventLoop>> Create();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Result<void> WatchReadable(int fd, Callback on_readable);
  void Unwatch(int fd);
  // Runs `callback` once after `delay`. Re-arming an existing id replaces its deadline.
  TimerId After(std::chrono::milliseconds delay, Callback callback);
  void Rearm(TimerId id, std::chrono::milliseconds delay);
  void Cancel(TimerId id);
  // Thread-safe: runs `work` on the loop thread.
  void Post(Callback work);

  void Run();   // until Stop()
  void Stop() { running_ = false; }

 private:
  EventLoop(int epoll_fd, int wake_fd) : epoll_fd_(epoll_fd), wake_fd_(wake_fd) {}
  void DrainPosted();

  struct Timer {
    int fd;
    Callback callback;
  };
  int epoll_fd_;
  int wake_fd_;
  bool running_ = false;
  std::map<int, Callback> readers_;
  std::map<TimerId, Timer> timers_;
  TimerId next_timer_ = 1;
  std::mutex posted_mutex_;
  std::vector<Callback> posted_;
};

}  // namespace netwarden::agent
