#include <gtest/gtest.h>

#include "audit/civil_time.h"
#include "audit/time_zone.h"

namespace netwarden::audit {
namespace {

TimeZone Zone(const char* name) {
  auto zone = TimeZone::Load(name);
  EXPECT_TRUE(zone.ok()) << name;
  return std::move(*zone);
}

int64_t Utc(const char* iso) {
  std::string_view text = iso;
  LoggedTime logged;
  EXPECT_TRUE(ConsumeIsoTime(text, logged)) << iso;
  return UnixFromCivilUtc(logged.civil) - logged.utc_offset_seconds.value_or(0);
}

TEST(TimeZone, RejectsUnknownNames) {
  EXPECT_FALSE(TimeZone::Load("Mars/Olympus_Mons").ok());
  EXPECT_FALSE(TimeZone::Load("../../etc/passwd").ok());
  EXPECT_TRUE(TimeZone::Load("").ok());  // the machine's
}

TEST(TimeZone, ConvertsLocalTimeWithDaylightSaving) {
  TimeZone tokyo = Zone("Asia/Tokyo");
  EXPECT_EQ(tokyo.ToUtc({2024, 3, 1, 9, 0, 0}), Utc("2024-03-01T00:00:00Z"));
  TimeZone new_york = Zone("America/New_York");
  EXPECT_EQ(new_york.ToUtc({2024, 3, 10, 1, 30, 0}), Utc("2024-03-10T06:30:00Z"));  // EST
  EXPECT_EQ(new_york.ToUtc({2024, 3, 10, 3, 30, 0}), Utc("2024-03-10T07:30:00Z"));  // EDT
  EXPECT_EQ(new_york.ToUtc({2024, 7, 1, 12, 0, 59}), Utc("2024-07-01T16:00:59Z"));
  TimeZone berlin = Zone("Europe/Berlin");
  EXPECT_EQ(berlin.ToUtc({2024, 10, 27, 12, 0, 0}), Utc("2024-10-27T11:00:00Z"));
  // Lord Howe shifts by 30 minutes: the 15-minute buckets must still be exact.
  TimeZone lord_howe = Zone("Australia/Lord_Howe");
  EXPECT_EQ(lord_howe.ToUtc({2024, 1, 15, 12, 44, 0}), Utc("2024-01-15T01:44:00Z"));
  EXPECT_EQ(lord_howe.ToUtc({2024, 7, 15, 12, 44, 0}), Utc("2024-07-15T02:14:00Z"));
}

TEST(TimeZone, LocalDayFollowsTheZone) {
  TimeZone tokyo = Zone("Asia/Tokyo");
  TimeZone new_york = Zone("America/New_York");
  int64_t instant = Utc("2024-03-01T20:00:00Z");  // 05:00 next day in Tokyo
  EXPECT_EQ(FormatDay(tokyo.LocalDay(instant)), "2024-03-02");
  EXPECT_EQ(FormatDay(new_york.LocalDay(instant)), "2024-03-01");
  // Alternating zones must not leak one zone's TZ into the other's results.
  EXPECT_EQ(FormatDay(tokyo.LocalDay(Utc("2024-07-01T15:30:00Z"))), "2024-07-02");
  EXPECT_EQ(FormatDay(new_york.LocalDay(Utc("2024-07-01T03:30:00Z"))), "2024-06-30");
}

TEST(TimeResolver, RollsTheYearOverAtNewYear) {
  TimeZone utc = Zone("UTC");
  TimeResolver resolver(utc, 2023, 0);
  LoggedTime december{{0, 12, 31, 23, 59, 0}, std::nullopt};
  LoggedTime january{{0, 1, 1, 0, 1, 0}, std::nullopt};
  EXPECT_EQ(resolver.Resolve(december), Utc("2023-12-31T23:59:00Z"));
  EXPECT_EQ(resolver.Resolve(january), Utc("2024-01-01T00:01:00Z"));
  EXPECT_EQ(resolver.Resolve(december), Utc("2023-12-31T23:59:00Z"));  // a late line
}

TEST(TimeResolver, InfersAYearThatIsNotInTheFuture) {
  TimeZone utc = Zone("UTC");
  TimeResolver resolver(utc, std::nullopt, Utc("2025-02-10T00:00:00Z"));
  LoggedTime november{{0, 11, 30, 12, 0, 0}, std::nullopt};
  EXPECT_EQ(resolver.Resolve(november), Utc("2024-11-30T12:00:00Z"));
}

TEST(TimeResolver, StatedOffsetsWinOverTheZone) {
  TimeZone tokyo = Zone("Asia/Tokyo");
  TimeResolver resolver(tokyo, 2024, 0);
  LoggedTime stated{{2022, 5, 21, 14, 6, 38}, 3 * 3600};
  EXPECT_EQ(resolver.Resolve(stated), Utc("2022-05-21T11:06:38Z"));
}

TEST(CivilTime, ParsesHeaderShapes) {
  for (const char* text :
       {"Oct 10 2018 12:34:56 host", "<166>Oct 10 2018 12:34:56 host", "2018-10-10T12:34:56Z host",
        "<134>1 2018-10-10T14:34:56+02:00 host", "2018/10/10 12:34:56 host"}) {
    std::string_view rest = text;
    LoggedTime logged;
    ASSERT_TRUE(ConsumeHeaderTime(rest, logged)) << text;
    EXPECT_EQ(rest, " host") << text;
    EXPECT_EQ(logged.civil.year, 2018);
  }
  std::string_view no_year = "Jan  2 19:09:56 bigip";
  LoggedTime logged;
  ASSERT_TRUE(ConsumeHeaderTime(no_year, logged));
  EXPECT_EQ(logged.civil.year, 0);
  EXPECT_EQ(logged.civil.day, 2);
  std::string_view garbage = "Foo 99 12:00:00";
  EXPECT_FALSE(ConsumeHeaderTime(garbage, logged));
  EXPECT_EQ(CivilFromUnix(DaysFromCivil(2000, 2, 29) * 86400).day, 29);
}

}  // namespace
}  // namespace netwarden::audit
