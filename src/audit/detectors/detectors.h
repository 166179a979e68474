#pragma once
// The misuse rules. Their names are a contract (CLI --disable, JSON "rule", report):
//   home-and-abroad-same-day, impossible-travel, new-country, concurrent-sessions,
//   password-spray, failures-then-success.
// Each appends its findings to analysis.findings.

#include <array>
#include <string_view>

#include "audit/analysis.h"

namespace netwarden::audit {

inline constexpr std::array<std::string_view, 6> kRuleNames = {
    "home-and-abroad-same-day", "impossible-travel", "new-country",
    "concurrent-sessions",      "password-spray",    "failures-then-success"};

struct DetectorConfig {
  std::array<bool, kRuleNames.size()> enabled{true, true, true, true, true, true};
  // home-and-abroad-same-day: the severity a user's such days get once there are this many.
  int same_day_medium_at = 2;
  int same_day_high_at = 3;
  // impossible-travel
  double travel_max_kmh = 900;
  double travel_min_km = 500;  // below this, city-level geolocation noise dominates
  // new-country: also the learning period before a user's first finding
  int new_country_days = 14;
  // password-spray
  int spray_min_users = 10;
  int spray_window_minutes = 30;
  // failures-then-success (per source address and local day)
  int failures_before_success = 5;

  bool Enabled(std::string_view rule) const;
  // False when `rule` is not a rule name.
  bool SetEnabled(std::string_view rule, bool on);
};

void DetectHomeAndAbroadSameDay(Analysis& analysis, const UserDayMatrix& matrix,
                                const DetectorConfig& config);
void DetectImpossibleTravel(Analysis& analysis, const DetectorConfig& config);
void DetectNewCountry(Analysis& analysis, const DetectorConfig& config);
void DetectConcurrentSessions(Analysis& analysis, const DetectorConfig& config);
void DetectPasswordSpray(Analysis& analysis, const DetectorConfig& config);
void DetectFailuresThenSuccess(Analysis& analysis, const DetectorConfig& config);

// Runs every enabled rule, then orders findings by time, rule and user. Returns, per rule that
// could not run, why (e.g. impossible-travel without a city database).
std::vector<std::string> RunDetectors(Analysis& analysis, const UserDayMatrix& matrix,
                                      const DetectorConfig& config, bool have_coordinates);

// Great-circle distance in km (haversine, mean Earth radius).
double DistanceKm(double lat1, double lon1, double lat2, double lon2);

}  // namespace netwarden::audit
