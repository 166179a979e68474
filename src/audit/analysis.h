#pragma once
// Everything the detectors and the outputs share: the parsed input, where each session's source
// is, what the allow-list exempts, the local calendar, and the findings.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "audit/allow_list.h"
#include "audit/geo.h"
#include "audit/ingest.h"
#include "audit/time_zone.h"

namespace netwarden::audit {

enum class Severity : uint8_t { kLow, kMedium, kHigh };
std::string_view SeverityName(Severity severity);

struct Finding {
  std::string rule;  // a contract name, e.g. "home-and-abroad-same-day"
  std::string user;
  int64_t time = 0;            // UTC of the event that triggered it
  std::optional<int64_t> day;  // local day number, for per-day rules
  std::vector<std::string> countries;
  std::vector<IpAddress> addresses;
  Severity severity = Severity::kLow;
  std::string detail;
  std::vector<Evidence> evidence;
};

// Per session: where its source is and whether it counts as a place at all.
struct SessionPlace {
  // Points into the locator's cache: sessions share their addresses' records.
  const GeoInfo* geo_info = nullptr;
  const GeoInfo& geo() const { return *geo_info; }
  bool allow_listed = false;
  int64_t local_day = 0;
  // A public, located, not allow-listed source: the only kind the geographic rules use.
  bool counts() const {
    return !allow_listed && geo_info->address_class == AddressClass::kPublic &&
           !geo_info->country.empty();
  }
};

struct Analysis {
  const AuditInput* input = nullptr;
  const TimeZone* zone = nullptr;
  std::vector<SessionPlace> places;  // parallel to input->sessions
  std::string home_country;          // empty: no home, matrix shows countries only
  std::vector<Finding> findings;
};

// Locates every session and assigns its local day. Sessions must be sorted (SortInput).
Analysis PrepareAnalysis(const AuditInput& input, const TimeZone& zone, GeoLocator& geo,
                         const AllowList& allow, std::string home_country);

// One cell of the user x day matrix.
struct DayCell {
  std::set<std::string> countries;  // of sessions that count
  bool home = false;
  bool abroad = false;
  std::vector<size_t> sessions;  // indices into input->sessions, also those that do not count
};
using UserDayMatrix = std::map<std::string, std::map<int64_t, DayCell>>;
UserDayMatrix BuildUserDayMatrix(const Analysis& analysis);

std::string FormatUtc(int64_t unix_seconds);  // "2024-01-05T10:00:00Z"

}  // namespace netwarden::audit
