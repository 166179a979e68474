#include "audit/audit_run.h"

#include <ctime>
#include <fstream>

#include "audit/analysis.h"
#include "audit/outputs.h"
#include "audit/report_html.h"
#include "audit/report_text.h"

namespace netwarden::audit {

namespace {

Result<std::unique_ptr<GeoLocator>> OpenLocator(const AuditOptions& options,
                                                std::vector<std::string>& notes) {
  if (options.no_geo) return std::unique_ptr<GeoLocator>(new StaticGeoLocator());
  std::string country = options.country_db.value_or(DefaultCountryDatabase());
  std::vector<std::string> cities = options.city_dbs.value_or(DefaultCityDatabases());
  if (country.empty() && cities.empty()) {
    notes.push_back("no GeoIP database installed (run `make` or pass --geoip): countries unknown");
    return std::unique_ptr<GeoLocator>(new StaticGeoLocator());
  }
  return OpenMmdbLocator(country, cities);
}

template <typename Writer>
Result<void> WriteFile(const std::string& path, Writer writer) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return MakeError(ErrorCode::kIo, "cannot write '" + path + "'");
  writer(out);
  out.flush();
  if (!out) return MakeError(ErrorCode::kIo, "error while writing '" + path + "'");
  return Ok();
}

}  // namespace

Result<AuditOutcome> RunAudit(const AuditOptions& options, std::ostream& out) {
  auto zone = TimeZone::Load(options.time_zone);
  if (!zone) return zone.error();
  AllowList allow;
  if (!options.allow_list.empty()) {
    auto loaded = AllowList::Load(options.allow_list);
    if (!loaded) return loaded.error();
    allow = std::move(*loaded);
  }
  std::vector<std::string> notes;
  auto locator = OpenLocator(options, notes);
  if (!locator) return locator.error();

  IngestOptions ingest;
  ingest.format = options.format;
  ingest.year = options.year;
  ingest.now = options.now.value_or(static_cast<int64_t>(std::time(nullptr)));
  ingest.max_examples = options.max_examples;
  AuditInput input;
  std::vector<std::string> inputs =
      options.inputs.empty() ? std::vector<std::string>{"-"} : options.inputs;
  for (const auto& path : inputs) IngestFile(path, *zone, ingest, input);
  SortInput(input);

  Analysis analysis = PrepareAnalysis(input, *zone, **locator, allow, options.home_country);
  UserDayMatrix matrix = BuildUserDayMatrix(analysis);
  bool have_coordinates = (*locator)->HasCoordinates();
  for (auto& note : RunDetectors(analysis, matrix, options.detectors, have_coordinates)) {
    notes.push_back("skipped " + note);
  }

  ReportContext context{&analysis, &matrix, (*locator)->Databases(), notes, allow.size()};
  WriteTextSummary(out, context);
  if (!options.json_path.empty()) {
    auto written = WriteFile(options.json_path,
                             [&](std::ostream& file) { WriteFindingsJsonLines(file, analysis); });
    if (!written) return written.error();
  }
  if (!options.csv_path.empty()) {
    auto written =
        WriteFile(options.csv_path, [&](std::ostream& file) { WriteSessionsCsv(file, analysis); });
    if (!written) return written.error();
  }
  if (!options.report_path.empty()) {
    auto written =
        WriteFile(options.report_path, [&](std::ostream& file) { WriteHtmlReport(file, context); });
    if (!written) return written.error();
    out << "report: " << options.report_path << "\n";
  }
  AuditOutcome outcome;
  outcome.findings = analysis.findings.size();
  for (const auto& file : input.files) {
    outcome.unparsed_lines += file.unparsed;
    if (!file.error.empty()) ++outcome.unreadable_files;
  }
  return outcome;
}

}  // namespace netwarden::audit
