#pragma once
// Small RAII and error helpers around libbpf's file descriptors.

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/result.h"

namespace netwarden::appfw {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

// libbpf returns -errno (or sets errno); both end up here.
inline Error KernelError(const std::string& what, int error) {
  if (error < 0) error = -error;
  return MakeError(ErrorCode::kKernel, what + ": " + std::strerror(error));
}

}  // namespace netwarden::appfw
