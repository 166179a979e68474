#pragma once
// Everything the detectors and the outputs share: the parsed input, where each session's source
// is, what the allow-list exempts, the local calendar, and the findings.

#include <span>
#include <string>
#include <string_view>
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
  // What the evidence points to, for the outputs' details (duration, bytes, failure reasons):
  // indices into input->sessions and input->attempts.
  std::vector<size_t> sessions;
  std::vector<size_t> attempts;
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

// The user x day matrix, flat: rows by user (the sessions' order), each row's cells by day, each
// cell's countries and sessions as ranges into shared vectors. A million sessions make a few
// vectors, not a million map nodes and sets.
struct DayCell {
  int64_t day = 0;  // local day number
  bool home = false;
  bool abroad = false;
  // countries of sessions that count, sorted and distinct: [first_country, +country_count)
  uint32_t first_country = 0;
  uint32_t country_count = 0;
  // every session of the day, also those that do not count: [first_session, +session_count)
  // into UserDayMatrix::session_indices
  size_t first_session = 0;
  uint32_t session_count = 0;
};

struct UserRow {
  std::string_view user;
  size_t first_cell = 0;
  size_t cell_count = 0;
};

struct UserDayMatrix {
  std::vector<UserRow> rows;   // by user
  std::vector<DayCell> cells;  // by row, then by day
  std::vector<std::string_view> countries;
  std::vector<uint32_t> session_indices;  // indices into input->sessions, by cell then start

  std::span<const DayCell> Cells(const UserRow& row) const {
    return {cells.data() + row.first_cell, row.cell_count};
  }
  std::span<const std::string_view> Countries(const DayCell& cell) const {
    return {countries.data() + cell.first_country, cell.country_count};
  }
  std::span<const uint32_t> Sessions(const DayCell& cell) const {
    return {session_indices.data() + cell.first_session, cell.session_count};
  }
};
UserDayMatrix BuildUserDayMatrix(const Analysis& analysis);

std::string FormatUtc(int64_t unix_seconds);  // "2024-01-05T10:00:00Z"

}  // namespace netwarden::audit
