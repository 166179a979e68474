#include "audit/analysis.h"

#include <algorithm>

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
  matrix.session_indices.reserve(sessions.size());
  std::vector<std::pair<int64_t, uint32_t>> by_day;  // one user's sessions: (local day, index)
  size_t begin = 0;
  while (begin < sessions.size()) {
    // Sessions are sorted by user, then start: one row per run of one user.
    size_t end = begin + 1;
    while (end < sessions.size() && sessions[end].user == sessions[begin].user) ++end;
    by_day.clear();
    for (size_t i = begin; i < end; ++i) {
      by_day.emplace_back(analysis.places[i].local_day, static_cast<uint32_t>(i));
    }
    // Local days follow start times, except across a backward clock change at midnight.
    if (!std::is_sorted(by_day.begin(), by_day.end()))
      std::stable_sort(by_day.begin(), by_day.end());
    UserRow row{sessions[begin].user, matrix.cells.size(), 0};
    for (size_t k = 0; k < by_day.size();) {
      DayCell cell;
      cell.day = by_day[k].first;
      cell.first_session = matrix.session_indices.size();
      cell.first_country = static_cast<uint32_t>(matrix.countries.size());
      for (; k < by_day.size() && by_day[k].first == cell.day; ++k) {
        uint32_t index = by_day[k].second;
        matrix.session_indices.push_back(index);
        const SessionPlace& place = analysis.places[index];
        if (!place.counts()) continue;
        std::string_view country = place.geo().country;
        auto first = matrix.countries.begin() + cell.first_country;
        auto at = std::lower_bound(first, matrix.countries.end(), country);
        if (at == matrix.countries.end() || *at != country) matrix.countries.insert(at, country);
        if (analysis.home_country.empty()) continue;
        if (country == analysis.home_country) {
          cell.home = true;
        } else {
          cell.abroad = true;
        }
      }
      cell.session_count =
          static_cast<uint32_t>(matrix.session_indices.size() - cell.first_session);
      cell.country_count = static_cast<uint32_t>(matrix.countries.size() - cell.first_country);
      matrix.cells.push_back(cell);
    }
    row.cell_count = matrix.cells.size() - row.first_cell;
    matrix.rows.push_back(row);
    begin = end;
  }
  return matrix;
}

}  // namespace netwarden::audit
