#include "audit/analysis.h"

#include "audit/civil_time.h"

namespace netwarden::audit {

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
  }
  return "low";
}

std::string FormatUtc(int64_t unix_seconds) {
  return FormatCivil(CivilFromUnix(unix_seconds)) + "Z";
}

Analysis PrepareAnalysis(const AuditInput& input, const TimeZone& zone, GeoLocator& geo,
                         const AllowList& allow, std::string home_country) {
  Analysis analysis;
  analysis.input = &input;
  analysis.zone = &zone;
  analysis.home_country = std::move(home_country);
  analysis.places.reserve(input.sessions.size());
  for (const auto& session : input.sessions) {
    SessionPlace place;
    if (session.source) {
      place.geo_info = &geo.Locate(*session.source);
      place.allow_listed = allow.Contains(*session.source);
    } else {
      static const GeoInfo kNowhere{AddressClass::kReserved, "", "", {}, {}};
      place.geo_info = &kNowhere;  // no address logged
    }
    place.local_day = zone.LocalDay(session.start);
    analysis.places.push_back(std::move(place));
  }
  return analysis;
}

UserDayMatrix BuildUserDayMatrix(const Analysis& analysis) {
  UserDayMatrix matrix;
  const auto& sessions = analysis.input->sessions;
  std::map<int64_t, DayCell>* row = nullptr;
  for (size_t i = 0; i < sessions.size(); ++i) {
    const SessionPlace& place = analysis.places[i];
    // Sessions are sorted by user: look the user's row up once per user, not once per session.
    if (row == nullptr || sessions[i].user != sessions[i - 1].user) row = &matrix[sessions[i].user];
    DayCell& cell = (*row)[place.local_day];
    cell.sessions.push_back(i);
    if (!place.counts()) continue;
    cell.countries.insert(place.geo().country);
    if (analysis.home_country.empty()) continue;
    if (place.geo().country == analysis.home_country) {
      cell.home = true;
    } else {
      cell.abroad = true;
    }
  }
  return matrix;
}

}  // namespace netwarden::audit
