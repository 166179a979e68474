#pragma once
// Program identity: the executable's (device, inode), as the kernel sees it in
// task->mm->exe_file. User space keeps path -> identity and re-resolves on replacement.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

namespace netwarden::appfw {

struct ExeId {
  uint32_t dev = 0;  // the kernel's encoding: MAJOR << 20 | MINOR (not stat's st_dev)
  uint64_t ino = 0;
  auto operator<=>(const ExeId&) const = default;
};

// Converts stat()'s st_dev (glibc encoding) to the kernel's internal dev_t (super_block->s_dev).
uint32_t KernelDev(uint64_t st_dev);

// Looks up what a path currently is; an interface so the agent is testable without files.
class ExeResolver {
 public:
  virtual ~ExeResolver() = default;
  virtual std::optional<ExeId> Resolve(const std::string& path) = 0;
};

// lstat(): the path itself must be the executable file. A symbolic link is not followed (it
// names no program): a rule whose path is in a place a user can write to must not be pointable
// at a shared binary (issue 14 item 16); `check` warns about such paths and about links.
class LstatExeResolver : public ExeResolver {
 public:
  std::optional<ExeId> Resolve(const std::string& path) override;
};

}  // namespace netwarden::appfw
