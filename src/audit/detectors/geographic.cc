// The rules over where successful sessions came from: home-and-abroad-same-day (the paper's),
// impossible-travel and new-country. They only use sessions whose place counts (public, located,
// not allow-listed).

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "audit/civil_time.h"
#include "audit/detectors/detectors.h"
#include "fmt/format.h"

namespace netwarden::audit {

namespace {

constexpr size_t kMaxEvidence = 10;

void AddSessionEvidence(Finding& finding, const Session& session, size_t index) {
  if (finding.evidence.size() < kMaxEvidence) {
    finding.evidence.push_back(session.evidence);
    finding.sessions.push_back(index);
  }
  if (session.source && std::find(finding.addresses.begin(), finding.addresses.end(),
                                  *session.source) == finding.addresses.end()) {
    finding.addresses.push_back(*session.source);
  }
}

}  // namespace

void DetectHomeAndAbroadSameDay(Analysis& analysis, const UserDayMatrix& matrix,
                                const DetectorConfig& config) {
  const auto& sessions = analysis.input->sessions;
  for (const UserRow& row : matrix.rows) {
    if (row.user.empty()) continue;
    std::vector<const DayCell*> flagged;
    for (const DayCell& cell : matrix.Cells(row)) {
      if (cell.home && cell.abroad) flagged.push_back(&cell);
    }
    int count = static_cast<int>(flagged.size());
    Severity severity = count >= config.same_day_high_at     ? Severity::kHigh
                        : count >= config.same_day_medium_at ? Severity::kMedium
                                                             : Severity::kLow;
    for (size_t k = 0; k < flagged.size(); ++k) {
      const DayCell& cell = *flagged[k];
      Finding finding;
      finding.rule = "home-and-abroad-same-day";
      finding.user = row.user;
      finding.day = cell.day;
      finding.severity = severity;
      for (std::string_view country : matrix.Countries(cell))
        finding.countries.emplace_back(country);
      bool first = true;
      for (size_t index : matrix.Sessions(cell)) {
        if (!analysis.places[index].counts()) continue;
        if (first) finding.time = sessions[index].start;
        first = false;
        AddSessionEvidence(finding, sessions[index], index);
      }
      finding.detail = fmt::format("home {} and abroad on {} ({} of {} such days)",
                                   analysis.home_country, FormatDay(cell.day), k + 1, count);
      analysis.findings.push_back(std::move(finding));
    }
  }
}

void DetectImpossibleTravel(Analysis& analysis, const DetectorConfig& config) {
  const auto& sessions = analysis.input->sessions;
  constexpr size_t kNone = SIZE_MAX;
  size_t previous = kNone;
  for (size_t i = 0; i < sessions.size(); ++i) {
    if (previous != kNone && sessions[previous].user != sessions[i].user) previous = kNone;
    const SessionPlace& place = analysis.places[i];
    if (sessions[i].user.empty() || !place.counts() || !place.geo().latitude ||
        !place.geo().longitude) {
      continue;
    }
    if (previous != kNone) {
      const Session& from = sessions[previous];
      const GeoInfo& from_geo = analysis.places[previous].geo();
      double km = DistanceKm(*from_geo.latitude, *from_geo.longitude, *place.geo().latitude,
                             *place.geo().longitude);
      double hours = static_cast<double>(sessions[i].start - from.start) / 3600.0;
      double kmh = hours > 0 ? km / hours : INFINITY;
      if (km >= config.travel_min_km && kmh > config.travel_max_kmh) {
        Finding finding;
        finding.rule = "impossible-travel";
        finding.user = sessions[i].user;
        finding.time = sessions[i].start;
        finding.countries = {from_geo.country, place.geo().country};
        finding.severity =
            from_geo.country != place.geo().country ? Severity::kHigh : Severity::kMedium;
        AddSessionEvidence(finding, from, previous);
        AddSessionEvidence(finding, sessions[i], i);
        finding.detail = fmt::format(
            "{:.0f} km from {} ({}) to {} ({}) in {:.1f} h{}", km,
            from_geo.city.empty() ? from_geo.country : from_geo.city, FormatUtc(from.start),
            place.geo().city.empty() ? place.geo().country : place.geo().city,
            FormatUtc(sessions[i].start), hours,
            std::isinf(kmh) ? "" : fmt::format(" = {:.0f} km/h", kmh));
        analysis.findings.push_back(std::move(finding));
      }
    }
    previous = i;
  }
}

void DetectNewCountry(Analysis& analysis, const DetectorConfig& config) {
  const auto& sessions = analysis.input->sessions;
  const int64_t window = int64_t{config.new_country_days} * 86400;
  std::map<std::string, int64_t, std::less<>> last_seen;
  std::optional<int64_t> first_seen;
  for (size_t i = 0; i < sessions.size(); ++i) {
    if (i == 0 || sessions[i].user != sessions[i - 1].user) {
      last_seen.clear();
      first_seen.reset();
    }
    const SessionPlace& place = analysis.places[i];
    if (sessions[i].user.empty() || !place.counts()) continue;
    const Session& session = sessions[i];
    if (!first_seen) first_seen = session.start;
    auto seen = last_seen.find(place.geo().country);
    bool learned = session.start - *first_seen >= window;
    bool fresh = seen == last_seen.end() || session.start - seen->second > window;
    if (learned && fresh) {
      Finding finding;
      finding.rule = "new-country";
      finding.user = session.user;
      finding.time = session.start;
      finding.day = place.local_day;
      finding.countries = {place.geo().country};
      finding.severity = Severity::kLow;
      if (!analysis.home_country.empty() && place.geo().country != analysis.home_country) {
        finding.severity = Severity::kMedium;
      }
      AddSessionEvidence(finding, session, i);
      finding.detail = seen == last_seen.end()
                           ? fmt::format("first login from {}", place.geo().country)
                           : fmt::format("first login from {} in {} days", place.geo().country,
                                         (session.start - seen->second) / 86400);
      analysis.findings.push_back(std::move(finding));
    }
    if (seen == last_seen.end()) {
      last_seen.emplace(place.geo().country, session.start);
    } else {
      seen->second = session.start;
    }
  }
}

}  // namespace netwarden::audit
