#pragma once
// The `netwarden audit` pipeline: ingest (files and/or the history database) -> locate ->
// detect -> outputs; and `netwarden audit serve`, the same page served live from the database.

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "audit/analysis.h"
#include "audit/detectors/detectors.h"
#include "audit/event.h"
#include "audit/report_text.h"
#include "core/result.h"

namespace netwarden::audit {

struct AuditOptions {
  std::vector<std::string> inputs;  // "-" is standard input
  std::optional<LogFormat> format;
  std::string time_zone;  // empty: the machine's
  std::optional<int> year;
  std::string home_country;
  std::optional<std::string> country_db;  // unset: the installed default
  std::optional<std::vector<std::string>> city_dbs;
  bool no_geo = false;
  std::string allow_list;
  DetectorConfig detectors;
  std::string json_path;
  std::string csv_path;
  std::string report_path;
  std::string db_path;                      // --db: history database
  std::optional<int64_t> from_day, to_day;  // --from / --to, local days
  std::string user_filter;                  // --user: name contains
  std::string country_filter;               // --country: users with a session from there
  std::string source_filter;  // --source: users with a session from this address / CIDR
  size_t max_examples = 3;
  std::optional<int64_t> now;  // for tests; default: the clock
};

struct AuditOutcome {
  size_t findings = 0;
  size_t unparsed_lines = 0;
  size_t unreadable_files = 0;
};

// Errors only for unusable arguments (time zone, databases, allow-list, output paths); bad
// input lines and unreadable log files are reported in the summary written to `out`.
Result<AuditOutcome> RunAudit(const AuditOptions& options, std::ostream& out);

// What `serve` narrows the history to, on top of the period.
struct AuditQuery {
  std::string user;     // substring, case-insensitive
  std::string country;  // ISO code of the session's source
  std::string source;   // address or CIDR
  std::optional<int64_t> from_day, to_day;
};

// `netwarden audit serve`: GET / renders the report over the history database for the query
// in the URL (?user=&from=&to=&country=&source=). Blocks until the server stops.
Result<void> ServeAudit(const AuditOptions& options, const std::string& listen, std::ostream& log);

// Shared by RunAudit and ServeAudit: everything that outlives one analysis.
struct AuditEnvironment {
  std::optional<TimeZone> zone;
  AllowList allow;
  std::unique_ptr<GeoLocator> geo;
  std::vector<std::string> notes;
};
Result<AuditEnvironment> PrepareEnvironment(const AuditOptions& options);

struct AnalysedAudit {
  std::unique_ptr<AuditInput> input;
  std::unique_ptr<Analysis> analysis;
  std::unique_ptr<UserDayMatrix> matrix;
  ReportContext context;
};
AnalysedAudit Analyse(const AuditOptions& options, AuditEnvironment& environment, AuditInput input);

// Keeps the sessions and attempts that match `query` (geolocating with `geo`).
void FilterInput(AuditInput& input, const AuditQuery& query, const TimeZone& zone, GeoLocator& geo);

}  // namespace netwarden::audit
