#pragma once
// Notices when a rule's executable is replaced or appears: inotify on the directories that hold
// (or will hold) the programs, plus a periodic re-stat as a safety net for missed events
// (directories created later, file systems without inotify).

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace netwarden::appfw {

class ProgramWatcher {
 public:
  // `on_change` is called after file-system events in the watched directories and at least every
  // `rescan_ms`; it re-resolves the programs (AppFwAgent::Refresh).
  ProgramWatcher(std::vector<std::string> programs, int rescan_ms)
      : programs_(std::move(programs)), rescan_ms_(rescan_ms) {}

  Result<void> Run(const std::function<void()>& on_change, const std::function<bool()>& keep_going);

 private:
  std::vector<std::string> programs_;
  int rescan_ms_;
};

}  // namespace netwarden::appfw
