// concurrent-sessions: one user's sessions overlapping in time from different public addresses.
// Sessions whose end was never logged are left out: guessing their length would invent overlaps.

#include <algorithm>

#include "audit/detectors/detectors.h"
#include "fmt/format.h"

namespace netwarden::audit {

namespace {

bool Eligible(const Session& session, const SessionPlace& place) {
  return !session.user.empty() && session.source && session.end && !place.allow_listed &&
         place.geo().address_class == AddressClass::kPublic;
}

}  // namespace

void DetectConcurrentSessions(Analysis& analysis, const DetectorConfig& /*config*/) {
  const auto& sessions = analysis.input->sessions;
  size_t user_begin = 0;
  while (user_begin < sessions.size()) {
    size_t user_end = user_begin;
    while (user_end < sessions.size() && sessions[user_end].user == sessions[user_begin].user) {
      ++user_end;
    }
    // Sessions are sorted by start, so only later ones starting before this one ends overlap.
    for (size_t i = user_begin; i < user_end; ++i) {
      if (!Eligible(sessions[i], analysis.places[i])) continue;
      for (size_t j = i + 1; j < user_end && sessions[j].start < *sessions[i].end; ++j) {
        if (!Eligible(sessions[j], analysis.places[j]) ||
            *sessions[j].source == *sessions[i].source) {
          continue;
        }
        const SessionPlace& a = analysis.places[i];
        const SessionPlace& b = analysis.places[j];
        Finding finding;
        finding.rule = "concurrent-sessions";
        finding.user = sessions[i].user;
        finding.time = sessions[j].start;
        finding.day = b.local_day;
        finding.countries = {CountryLabel(a.geo()), CountryLabel(b.geo())};
        finding.addresses = {*sessions[i].source, *sessions[j].source};
        finding.evidence = {sessions[i].evidence, sessions[j].evidence};
        finding.sessions = {i, j};
        // Two home networks at once (phone and laptop) is common; two countries at once is not.
        finding.severity = a.geo().country != b.geo().country ? Severity::kHigh : Severity::kLow;
        int64_t overlap = std::min(*sessions[i].end, sessions[j].end.value_or(*sessions[i].end)) -
                          sessions[j].start;
        finding.detail = fmt::format("sessions from {} and {} overlap for {} min",
                                     sessions[i].source->ToString(), sessions[j].source->ToString(),
                                     overlap / 60);
        analysis.findings.push_back(std::move(finding));
      }
    }
    user_begin = user_end;
  }
}

}  // namespace netwarden::audit
