#include "agent/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace netwarden::agent {

Result<std::unique_ptr<EventLoop>> EventLoop::Create() {
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  const int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd < 0 || wake_fd < 0) {
    return MakeError(ErrorCode::kIo, std::string("event loop: ") + std::strerror(errno));
  }
  std::unique_ptr<EventLoop> loop(new EventLoop(epoll_fd, wake_fd));
  auto watched = loop->WatchReadable(wake_fd, [raw = loop.get()] { raw->DrainPosted(); });
  if (!watched) return watched.error();
  return loop;
}

EventLoop::~EventLoop() {
  for (auto& [id, timer] : timers_) close(timer.fd);
  close(wake_fd_);
  close(epoll_fd_);
}

Result<void> EventLoop::WatchReadable(int fd, Callback on_readable) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    return MakeError(ErrorCode::kIo, std::string("epoll: ") + std::strerror(errno));
  }
  readers_[fd] = std::move(on_readable);
  return Ok();
}

Result<void> EventLoop::AlsoWhenWritable(int fd, bool enabled) {
  epoll_event event{};
  event.events = EPOLLIN | (enabled ? EPOLLOUT : 0u);
  event.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) != 0) {
    return MakeError(ErrorCode::kIo, std::string("epoll: ") + std::strerror(errno));
  }
  return Ok();
}

void EventLoop::Unwatch(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  readers_.erase(fd);
}

EventLoop::TimerId EventLoop::After(std::chrono::milliseconds delay, Callback callback) {
  const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  const TimerId id = next_timer_++;
  timers_[id] = Timer{fd, std::move(callback)};
  (void)WatchReadable(fd, [this, id, fd] {
    uint64_t expirations = 0;
    if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations)) return;
    auto found = timers_.find(id);
    if (found != timers_.end()) found->second.callback();
  });
  Rearm(id, delay);
  return id;
}

void EventLoop::Rearm(TimerId id, std::chrono::milliseconds delay) {
  auto found = timers_.find(id);
  if (found == timers_.end()) return;
  itimerspec spec{};
  const auto ms = std::max<long long>(delay.count(), 1);
  spec.it_value.tv_sec = ms / 1000;
  spec.it_value.tv_nsec = (ms % 1000) * 1000000;
  timerfd_settime(found->second.fd, 0, &spec, nullptr);
}

void EventLoop::Cancel(TimerId id) {
  auto found = timers_.find(id);
  if (found == timers_.end()) return;
  Unwatch(found->second.fd);
  close(found->second.fd);
  timers_.erase(found);
}

void EventLoop::Post(Callback work) {
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    posted_.push_back(std::move(work));
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void EventLoop::DrainPosted() {
  uint64_t count = 0;
  (void)!read(wake_fd_, &count, sizeof(count));
  std::vector<Callback> work;
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    work.swap(posted_);
  }
  for (auto& callback : work) callback();
}

bool EventLoop::Dispatch(int timeout_ms) {
  epoll_event events[16];
  const int ready = epoll_wait(epoll_fd_, events, 16, timeout_ms);
  if (ready < 0) return errno == EINTR;
  for (int i = 0; i < ready && running_; ++i) {
    auto found = readers_.find(events[i].data.fd);
    if (found != readers_.end()) {
      Callback callback = found->second;  // a callback may unwatch itself
      callback();
    }
  }
  return true;
}

void EventLoop::Run() {
  running_ = true;
  while (running_) {
    if (!Dispatch(-1)) break;
  }
}

void EventLoop::RunReady() {
  running_ = true;
  Dispatch(0);
}

}  // namespace netwarden::agent
