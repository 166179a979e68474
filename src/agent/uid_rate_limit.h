#pragma once
// Per-user request budget for the control socket: one token bucket per uid, so one member of the
// control group cannot keep the root agent busy. Root is not limited unless asked (root can
// stop the agent anyway, and the lab and the CLI poll status as root).

#include <sys/types.h>

#include <chrono>
#include <map>

namespace netwarden::agent {

class UidRateLimit {
 public:
  using Clock = std::chrono::steady_clock;
  // `per_second` tokens are added per second up to `burst`; a request takes one.
  UidRateLimit(double per_second, double burst, bool limit_root = false)
      : per_second_(per_second), burst_(burst), limit_root_(limit_root) {}

  // True when `uid` may make one more request at `now` (and takes its token).
  bool Allow(uid_t uid, Clock::time_point now);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point refilled;
  };
  void ForgetFullBuckets(Clock::time_point now);

  double per_second_;
  double burst_;
  bool limit_root_;
  std::map<uid_t, Bucket> buckets_;
};

}  // namespace netwarden::agent
