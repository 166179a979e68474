#pragma once
// When each threat feed is downloaded again. Every feed has its own `refresh`; the time of the
// last attempt comes from the feed cache, so a restarted agent does not hammer the feed servers.
// A failed or refused attempt is retried sooner (the feed may be reachable only once the tunnel
// is up), but never more often than every `kMinimumRetry`.

#include <cstdint>
#include <string>
#include <vector>

namespace netwarden::agent {

struct FeedTiming {
  std::string name;
  int64_t refresh_seconds = 3600;
  int64_t checked_at = 0;  // unix seconds of the last attempt, 0 = never
  bool last_failed = false;
};

struct FeedSchedule {
  std::vector<std::string> due;  // to download now
  int64_t next_in_seconds = 0;   // until the next feed is due (after `due` were attempted now)
};

inline constexpr int64_t kMinimumRetry = 30;
inline constexpr int64_t kMaximumRetry = 300;

// Seconds after an attempt before the next one.
int64_t RetryInterval(const FeedTiming& feed);

FeedSchedule ScheduleFeeds(const std::vector<FeedTiming>& feeds, int64_t now);

}  // namespace netwarden::agent
