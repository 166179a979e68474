#include "appfw/exe_identity.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace netwarden::appfw {

uint32_t KernelDev(uint64_t st_dev) {
  return (static_cast<uint32_t>(major(st_dev)) << 20) | static_cast<uint32_t>(minor(st_dev));
}

std::optional<ExeId> LstatExeResolver::Resolve(const std::string& path) {
  struct stat info {};
  if (lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;
  return ExeId{KernelDev(info.st_dev), static_cast<uint64_t>(info.st_ino)};
}

}  // namespace netwarden::appfw
