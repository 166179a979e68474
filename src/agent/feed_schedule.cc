#include "agent/feed_schedule.h"

#include <algorithm>

namespace netwarden::agent {

int64_t RetryInterval(const FeedTiming& feed) {
  if (!feed.last_failed) return std::max<int64_t>(feed.refresh_seconds, kMinimumRetry);
  return std::clamp<int64_t>(feed.refresh_seconds / 4, kMinimumRetry, kMaximumRetry);
}

FeedSchedule ScheduleFeeds(const std::vector<FeedTiming>& feeds, int64_t now) {
  FeedSchedule schedule;
  int64_t next = INT64_MAX;
  for (const auto& feed : feeds) {
    const int64_t interval = RetryInterval(feed);
    // A clock set back (checked_at in the future) must not postpone the feed for that long.
    const bool due =
        feed.checked_at <= 0 || feed.checked_at > now || now - feed.checked_at >= interval;
    if (due) {
      schedule.due.push_back(feed.name);
      next = std::min(next, interval);  // attempted now: due again one interval from now
    } else {
      next = std::min(next, feed.checked_at + interval - now);
    }
  }
  schedule.next_in_seconds = feeds.empty() ? 3600 : next;
  return schedule;
}

}  // namespace netwarden::agent
