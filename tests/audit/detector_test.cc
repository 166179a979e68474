// Every rule on hand-made sessions with a fixed geolocation table, including the cases that must
// stay quiet: travel on consecutive days, private addresses, allow-listed addresses.

#include <gtest/gtest.h>

#include "audit/civil_time.h"
#include "audit/detectors/detectors.h"

namespace netwarden::audit {
namespace {

int64_t At(const char* iso) {
  std::string_view text = iso;
  LoggedTime logged;
  EXPECT_TRUE(ConsumeIsoTime(text, logged)) << iso;
  return UnixFromCivilUtc(logged.civil) - logged.utc_offset_seconds.value_or(0);
}

GeoInfo Place(const char* country, const char* city, double latitude, double longitude) {
  return GeoInfo{AddressClass::kPublic, country, city, latitude, longitude};
}

class DetectorTest : public ::testing::Test {
 protected:
  DetectorTest() : zone_(std::move(*TimeZone::Load("Asia/Tokyo"))) {
    geo_.Add(*IpNetwork::Parse("133.11.0.0/16"), Place("JP", "Tokyo", 35.68, 139.76));
    geo_.Add(*IpNetwork::Parse("126.0.0.0/8"), Place("JP", "Osaka", 34.69, 135.50));
    geo_.Add(*IpNetwork::Parse("8.8.8.0/24"), Place("US", "Mountain View", 37.39, -122.08));
    geo_.Add(*IpNetwork::Parse("36.110.0.0/16"), Place("CN", "Beijing", 39.90, 116.40));
    geo_.Add(*IpNetwork::Parse("185.199.108.0/24"), Place("US", "San Francisco", 37.77, -122.42));
  }

  // `end_minutes` < 0: the end was never logged.
  void AddSession(const char* user, const char* source, const char* start, int end_minutes = 60) {
    Session session;
    session.user = input_.strings->Intern(user);
    session.source = *IpAddress::Parse(source);
    session.start = At(start);
    if (end_minutes >= 0) session.end = session.start + end_minutes * 60;
    session.evidence = {0, ++line_};
    input_.sessions.push_back(session);
  }

  void AddAttempt(const char* user, const char* source, int64_t time, bool success) {
    input_.attempts.push_back(LoginAttempt{
        time, input_.strings->Intern(user), *IpAddress::Parse(source), success, {0, ++line_}, {}});
  }

  std::vector<Finding> Run(const char* rule) {
    DetectorConfig only;
    for (auto name : kRuleNames) only.SetEnabled(name, name == rule);
    return Run(only);
  }

  std::vector<Finding> Run(const DetectorConfig& config) {
    input_.files = {FileSummary{"test.log", LogFormat::kF5Apm, {}, 0, 0, 0, 0, {}, {}, 0, 0}};
    SortInput(input_);
    Analysis analysis = PrepareAnalysis(input_, zone_, geo_, allow_, "JP");
    UserDayMatrix matrix = BuildUserDayMatrix(analysis);
    RunDetectors(analysis, matrix, config, true);
    return analysis.findings;
  }

  AuditInput input_;
  StaticGeoLocator geo_;
  AllowList allow_;
  TimeZone zone_;
  uint64_t line_ = 0;
};

TEST_F(DetectorTest, SameDayHomeAndAbroadIsFlaggedWithRisingSeverity) {
  AddSession("mallory", "133.11.0.1", "2024-03-01T09:00:00+09:00");
  AddSession("mallory", "36.110.0.1", "2024-03-01T21:00:00+09:00");
  auto once = Run("home-and-abroad-same-day");
  ASSERT_EQ(once.size(), 1u);
  EXPECT_EQ(once[0].user, "mallory");
  EXPECT_EQ(FormatDay(*once[0].day), "2024-03-01");
  EXPECT_EQ(once[0].countries, (std::vector<std::string>{"CN", "JP"}));
  EXPECT_EQ(once[0].severity, Severity::kLow);
  EXPECT_EQ(once[0].evidence.size(), 2u);

  AddSession("mallory", "133.11.0.1", "2024-03-08T09:00:00+09:00");
  AddSession("mallory", "36.110.0.1", "2024-03-08T21:00:00+09:00");
  EXPECT_EQ(Run("home-and-abroad-same-day")[1].severity, Severity::kMedium);
  AddSession("mallory", "133.11.0.1", "2024-03-15T09:00:00+09:00");
  AddSession("mallory", "8.8.8.8", "2024-03-15T21:00:00+09:00");
  auto thrice = Run("home-and-abroad-same-day");
  ASSERT_EQ(thrice.size(), 3u);
  for (const auto& finding : thrice) EXPECT_EQ(finding.severity, Severity::kHigh);
}

TEST_F(DetectorTest, TravelOnConsecutiveDaysIsNotSameDay) {
  AddSession("erin", "133.11.0.1", "2024-03-01T23:30:00+09:00");
  // 00:30 the next local day, although the same UTC day as the session before.
  AddSession("erin", "8.8.8.8", "2024-03-02T00:30:00+09:00");
  AddSession("erin", "8.8.8.8", "2024-03-03T10:00:00+09:00");
  EXPECT_TRUE(Run("home-and-abroad-same-day").empty());
}

TEST_F(DetectorTest, PrivateAddressesAreNeitherHomeNorAbroad) {
  AddSession("ivan", "10.1.2.3", "2024-03-01T09:00:00+09:00");
  AddSession("ivan", "8.8.8.8", "2024-03-01T20:00:00+09:00");
  AddSession("ivan", "192.168.1.5", "2024-03-02T09:00:00+09:00");
  AddSession("ivan", "133.11.0.1", "2024-03-02T09:30:00+09:00");
  EXPECT_TRUE(Run(DetectorConfig()).empty());
}

TEST_F(DetectorTest, AllowListedAddressesDoNotCount) {
  AddSession("frank", "133.11.0.1", "2024-03-01T09:00:00+09:00");
  AddSession("frank", "185.199.108.1", "2024-03-01T09:30:00+09:00");
  EXPECT_FALSE(Run(DetectorConfig()).empty());  // without the allow-list: flagged
  allow_ = *AllowList::Parse("185.199.108.0/24\n", "test");
  EXPECT_TRUE(Run(DetectorConfig()).empty());
}

TEST_F(DetectorTest, ImpossibleTravelNeedsSpeedAndDistance) {
  AddSession("carol", "133.11.0.1", "2024-03-01T09:00:00+09:00");
  AddSession("carol", "8.8.8.8", "2024-03-01T11:00:00+09:00");  // ~8,300 km in 2 h
  auto fast = Run("impossible-travel");
  ASSERT_EQ(fast.size(), 1u);
  EXPECT_EQ(fast[0].severity, Severity::kHigh);
  EXPECT_EQ(fast[0].countries, (std::vector<std::string>{"JP", "US"}));
  // Tokyo -> Osaka (400 km) in 10 minutes is geolocation noise, not travel.
  AddSession("dan", "133.11.0.1", "2024-03-01T09:00:00+09:00");
  AddSession("dan", "126.0.0.1", "2024-03-01T09:10:00+09:00");
  // Tokyo -> Mountain View in 20 h is a flight.
  AddSession("erin", "133.11.0.1", "2024-03-01T09:00:00+09:00");
  AddSession("erin", "8.8.8.8", "2024-03-02T05:00:00+09:00");
  EXPECT_EQ(Run("impossible-travel").size(), 1u);
}

TEST_F(DetectorTest, NewCountryAfterTheLearningPeriod) {
  for (int day = 1; day <= 20; ++day) {
    std::string start =
        "2024-03-" + std::string(day < 10 ? "0" : "") + std::to_string(day) + "T09:00:00+09:00";
    AddSession("trent", "133.11.0.1", start.c_str());
  }
  AddSession("trent", "8.8.8.8", "2024-03-05T20:00:00+09:00");  // learning period: quiet
  AddSession("trent", "36.110.0.1", "2024-03-18T20:00:00+09:00");
  AddSession("trent", "36.110.0.1", "2024-03-19T20:00:00+09:00");  // seen yesterday: quiet
  auto findings = Run("new-country");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].countries, (std::vector<std::string>{"CN"}));
  EXPECT_EQ(findings[0].severity, Severity::kMedium);
}

TEST_F(DetectorTest, ConcurrentSessionsFromDifferentAddresses) {
  AddSession("carol", "133.11.0.1", "2024-03-01T09:00:00+09:00", 480);
  AddSession("carol", "8.8.8.8", "2024-03-01T10:00:00+09:00", 60);
  AddSession("dan", "133.11.0.1", "2024-03-01T09:00:00+09:00", 480);
  AddSession("dan", "133.11.0.1", "2024-03-01T10:00:00+09:00", 60);  // same address
  AddSession("erin", "133.11.0.1", "2024-03-01T09:00:00+09:00", 60);
  AddSession("erin", "8.8.8.8", "2024-03-01T10:00:00+09:00", 60);    // back to back
  AddSession("fay", "133.11.0.1", "2024-03-01T09:00:00+09:00", -1);  // end unknown
  AddSession("fay", "8.8.8.8", "2024-03-01T10:00:00+09:00", 60);
  auto findings = Run("concurrent-sessions");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].user, "carol");
  EXPECT_EQ(findings[0].severity, Severity::kHigh);
}

TEST_F(DetectorTest, PasswordSprayCountsDistinctUsersInTheWindow) {
  int64_t start = At("2024-03-01T03:00:00+09:00");
  for (int k = 0; k < 12; ++k) {
    AddAttempt(("user" + std::to_string(k)).c_str(), "36.110.0.1", start + 60 * k, false);
  }
  for (int k = 0; k < 12; ++k) {  // one user, many times: a typo storm, not spraying
    AddAttempt("bob", "8.8.8.8", start + 60 * k, false);
  }
  for (int k = 0; k < 12; ++k) {  // many users, but hours apart
    AddAttempt(("user" + std::to_string(k)).c_str(), "133.11.0.1", start + 3600 * k, false);
  }
  auto findings = Run("password-spray");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].addresses[0].ToString(), "36.110.0.1");
  EXPECT_NE(findings[0].detail.find("12 distinct users"), std::string::npos);
}

TEST_F(DetectorTest, FailuresThenSuccessOnOneDay) {
  int64_t start = At("2024-03-01T02:00:00+09:00");
  for (int k = 0; k < 5; ++k) AddAttempt("dave", "36.110.0.1", start + 60 * k, false);
  AddAttempt("dave", "36.110.0.1", start + 600, true);
  for (int k = 0; k < 4; ++k) AddAttempt("erin", "8.8.8.8", start + 60 * k, false);
  AddAttempt("erin", "8.8.8.8", start + 600, true);  // four is not enough
  for (int k = 0; k < 5; ++k) AddAttempt("fay", "133.11.0.1", start - 86400 + 60 * k, false);
  AddAttempt("fay", "133.11.0.1", start + 600, true);  // failures were yesterday
  auto findings = Run("failures-then-success");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].user, "dave");
  EXPECT_EQ(findings[0].severity, Severity::kHigh);
  EXPECT_EQ(findings[0].evidence.size(), 6u);
}

TEST_F(DetectorTest, RulesCanBeSwitchedOff) {
  AddSession("mallory", "133.11.0.1", "2024-03-01T09:00:00+09:00");
  AddSession("mallory", "36.110.0.1", "2024-03-01T10:00:00+09:00");
  DetectorConfig none;
  for (auto name : kRuleNames) EXPECT_TRUE(none.SetEnabled(name, false));
  EXPECT_FALSE(none.SetEnabled("no-such-rule", false));
  EXPECT_TRUE(Run(none).empty());
}

TEST(Distance, GreatCircle) {
  EXPECT_NEAR(DistanceKm(35.68, 139.76, 39.90, 116.40), 2100, 20);
  EXPECT_NEAR(DistanceKm(0, 0, 0, 180), 20015, 5);
}

}  // namespace
}  // namespace netwarden::audit
