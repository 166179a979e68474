#pragma once
// The `netwarden audit` pipeline: ingest -> locate -> detect -> outputs.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "audit/detectors/detectors.h"
#include "audit/event.h"
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

}  // namespace netwarden::audit
