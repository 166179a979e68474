#include <algorithm>
#include <cmath>

#include "audit/detectors/detectors.h"

namespace netwarden::audit {

bool DetectorConfig::Enabled(std::string_view rule) const {
  for (size_t i = 0; i < kRuleNames.size(); ++i) {
    if (kRuleNames[i] == rule) return enabled[i];
  }
  return false;
}

bool DetectorConfig::SetEnabled(std::string_view rule, bool on) {
  for (size_t i = 0; i < kRuleNames.size(); ++i) {
    if (kRuleNames[i] == rule) {
      enabled[i] = on;
      return true;
    }
  }
  return false;
}

double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusKm = 6371.0;
  constexpr double kRadians = M_PI / 180.0;
  double dlat = (lat2 - lat1) * kRadians;
  double dlon = (lon2 - lon1) * kRadians;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(lat1 * kRadians) *
                                                           std::cos(lat2 * kRadians) *
                                                           std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

std::vector<std::string> RunDetectors(Analysis& analysis, const UserDayMatrix& matrix,
                                      const DetectorConfig& config, bool have_coordinates) {
  std::vector<std::string> skipped;
  if (config.Enabled("home-and-abroad-same-day")) {
    if (analysis.home_country.empty()) {
      skipped.push_back("home-and-abroad-same-day: no home country (--home CC)");
    } else {
      DetectHomeAndAbroadSameDay(analysis, matrix, config);
    }
  }
  if (config.Enabled("impossible-travel")) {
    if (!have_coordinates) {
      skipped.push_back("impossible-travel: no city database (--city-db)");
    } else {
      DetectImpossibleTravel(analysis, config);
    }
  }
  if (config.Enabled("new-country")) DetectNewCountry(analysis, config);
  if (config.Enabled("concurrent-sessions")) DetectConcurrentSessions(analysis, config);
  if (config.Enabled("password-spray")) DetectPasswordSpray(analysis, config);
  if (config.Enabled("failures-then-success")) DetectFailuresThenSuccess(analysis, config);
  std::stable_sort(analysis.findings.begin(), analysis.findings.end(),
                   [](const Finding& a, const Finding& b) {
                     if (a.time != b.time) return a.time < b.time;
                     if (a.rule != b.rule) return a.rule < b.rule;
                     return a.user < b.user;
                   });
  return skipped;
}

}  // namespace netwarden::audit
