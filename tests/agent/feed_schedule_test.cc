// When the agent downloads each threat feed again: per-feed intervals, sooner retries after a
// failure, a never-checked feed at once, and a clock set back does not postpone a feed.
#include "agent/feed_schedule.h"

#include <gtest/gtest.h>

namespace netwarden::agent {
namespace {

constexpr int64_t kNow = 1'800'000'000;

TEST(FeedSchedule, NeverCheckedIsDueNow) {
  const auto schedule = ScheduleFeeds({{"a", 3600, 0, false}}, kNow);
  ASSERT_EQ(schedule.due, std::vector<std::string>{"a"});
  EXPECT_EQ(schedule.next_in_seconds, 3600);
}

TEST(FeedSchedule, EachFeedKeepsItsOwnInterval) {
  const auto schedule = ScheduleFeeds(
      {{"hourly", 3600, kNow - 3000, false}, {"daily", 86400, kNow - 86400, false}}, kNow);
  ASSERT_EQ(schedule.due, std::vector<std::string>{"daily"});
  EXPECT_EQ(schedule.next_in_seconds, 600);  // the hourly one, 600 s from now
}

TEST(FeedSchedule, FailedFeedIsRetriedSoonerWithinBounds) {
  EXPECT_EQ(RetryInterval({"x", 3600, 0, true}), kMaximumRetry);  // 900 s capped at 300
  EXPECT_EQ(RetryInterval({"x", 120, 0, true}), 30);              // refresh / 4
  EXPECT_EQ(RetryInterval({"x", 60, 0, true}), kMinimumRetry);    // 15 s raised to 30
  EXPECT_EQ(RetryInterval({"x", 3600, 0, false}), 3600);
  const auto schedule = ScheduleFeeds({{"x", 3600, kNow - 100, true}}, kNow);
  EXPECT_TRUE(schedule.due.empty());
  EXPECT_EQ(schedule.next_in_seconds, 200);
}

TEST(FeedSchedule, ClockSetBackMakesTheFeedDue) {
  const auto schedule = ScheduleFeeds({{"x", 3600, kNow + 5000, false}}, kNow);
  EXPECT_EQ(schedule.due, std::vector<std::string>{"x"});
}

TEST(FeedSchedule, NoFeedsWakesHourly) { EXPECT_EQ(ScheduleFeeds({}, kNow).next_in_seconds, 3600); }

}  // namespace
}  // namespace netwarden::agent
