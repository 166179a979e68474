#pragma once
// Notices when a rule's executable is replaced or appears: inotify on the directories that hold
// (or will hold) the programs, plus a periodic re-stat as a safety net for missed events
// (directories created later, file systems without inotify). Never blocks: the agent's event
// loop watches fd() and calls Due() from a timer.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace netwarden::appfw {

class ProgramWatcher {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ProgramWatcher(std::chrono::milliseconds rescan);
  ~ProgramWatcher();
  ProgramWatcher(const ProgramWatcher&) = delete;
  ProgramWatcher& operator=(const ProgramWatcher&) = delete;

  // Watches the directories of `programs` (or their nearest existing ancestors) instead of the
  // ones watched before.
  void Watch(const std::vector<std::string>& programs);
  // inotify's descriptor: readable after a change in a watched directory (-1 without inotify).
  int fd() const { return fd_; }
  // True when a watched directory changed since the last true answer, or `rescan` has passed:
  // time to re-resolve the programs. Consumes the pending notifications.
  bool Due(Clock::time_point now);

 private:
  void AddWatches();

  int fd_ = -1;
  std::chrono::milliseconds rescan_;
  std::vector<std::string> programs_;
  std::map<std::string, int> watches_;  // directory -> watch descriptor
  Clock::time_point last_due_;
};

}  // namespace netwarden::appfw
