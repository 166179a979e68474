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
  // Also run the fd's callback when it is writable (a reply that did not fit the socket buffer);
  // the callback then tries both directions. `fd` must be watched already.
  Result<void> AlsoWhenWritable(int fd, bool enabled);
  void Unwatch(int fd);
  // Runs `callback` once after `delay`. Re-arming an existing id replaces its deadline.
  TimerId After(std::chrono::milliseconds delay, Callback callback);
  void Rearm(TimerId id, std::chrono::milliseconds delay);
  void Cancel(TimerId id);
  // Thread-safe: runs `work` on the loop thread.
  void Post(Callback work);

  void Run();  // until Stop()
  void Stop() { running_ = false; }

  // For nesting this loop in another one: `fd()` is readable while something here is ready, and
  // RunReady() runs what is ready now without waiting.
  int fd() const { return epoll_fd_; }
  void RunReady();

 private:
  EventLoop(int epoll_fd, int wake_fd) : epoll_fd_(epoll_fd), wake_fd_(wake_fd) {}
  void DrainPosted();
  // One epoll_wait with `timeout_ms` (-1: until something is ready); false on a fatal error.
  bool Dispatch(int timeout_ms);

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
