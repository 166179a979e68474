#include "audit/audit_run.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <set>

#include "audit/history_db.h"
#include "audit/outputs.h"
#include "audit/report_html.h"
#include "fmt/format.h"

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

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Parses the inputs; with a history database, stores them and analyses the stored period.
Result<AuditInput> CollectInput(const AuditOptions& options, AuditEnvironment& environment) {
  IngestOptions ingest;
  ingest.format = options.format;
  ingest.year = options.year;
  ingest.now = options.now.value_or(static_cast<int64_t>(std::time(nullptr)));
  ingest.max_examples = options.max_examples;
  AuditInput input;
  std::vector<std::string> inputs = options.inputs;
  if (inputs.empty() && options.db_path.empty()) inputs = {"-"};
  if (options.db_path.empty()) {
    for (const auto& path : inputs) IngestFile(path, *environment.zone, ingest, input);
    SortInput(input);
    return input;
  }
  auto db = HistoryDb::Open(options.db_path);
  if (!db) return db.error();
  std::vector<std::string> fingerprints;
  for (const auto& path : inputs) {
    std::string fingerprint = path == "-" ? std::string() : FileFingerprint(path);
    if (!fingerprint.empty()) {
      auto known = (*db)->KnowsFile(fingerprint);
      if (!known) return known.error();
      if (*known) {
        environment.notes.push_back(path + ": already in the history database, not read again");
        continue;
      }
    }
    IngestFile(path, *environment.zone, ingest, input);
    fingerprints.push_back(input.files.back().error.empty() ? fingerprint : std::string());
  }
  auto stored = (*db)->Store(input, fingerprints);
  if (!stored) return stored.error();
  environment.notes.push_back(fmt::format("history database {}: {} sessions and {} attempts added",
                                          options.db_path, stored->sessions_added,
                                          stored->attempts_added));
  std::vector<FileSummary> this_run = std::move(input.files);
  auto loaded = (*db)->Load(*environment.zone, options.from_day, options.to_day);
  if (!loaded) return loaded.error();
  // The summary reports this run's files; evidence indexes the database's file list, which
  // follows them.
  for (auto& session : loaded->sessions) session.evidence.file += this_run.size();
  for (auto& attempt : loaded->attempts) attempt.evidence.file += this_run.size();
  for (auto& file : loaded->files) file.lines = file.events = file.ignored = file.unparsed = 0;
  this_run.insert(this_run.end(), loaded->files.begin(), loaded->files.end());
  loaded->files = std::move(this_run);
  return std::move(*loaded);
}

}  // namespace

Result<AuditEnvironment> PrepareEnvironment(const AuditOptions& options) {
  AuditEnvironment environment;
  auto zone = TimeZone::Load(options.time_zone);
  if (!zone) return zone.error();
  environment.zone = std::move(*zone);
  if (!options.allow_list.empty()) {
    auto loaded = AllowList::Load(options.allow_list);
    if (!loaded) return loaded.error();
    environment.allow = std::move(*loaded);
  }
  auto locator = OpenLocator(options, environment.notes);
  if (!locator) return locator.error();
  environment.geo = std::move(*locator);
  return environment;
}

void FilterInput(AuditInput& input, const AuditQuery& query, const TimeZone& zone,
                 GeoLocator& geo) {
  std::optional<IpNetwork> network;
  if (!query.source.empty()) {
    if (auto parsed = IpNetwork::Parse(query.source)) network = *parsed;
  }
  std::string user = Lower(query.user);
  auto in_period = [&](std::string_view who, int64_t time) {
    if (!user.empty() && who.find(user) == std::string::npos) return false;
    int64_t day = zone.LocalDay(time);
    return !(query.from_day && day < *query.from_day) && !(query.to_day && day > *query.to_day);
  };
  std::erase_if(input.sessions, [&](const Session& s) { return !in_period(s.user, s.start); });
  std::erase_if(input.attempts, [&](const LoginAttempt& a) { return !in_period(a.user, a.time); });
  if (query.country.empty() && query.source.empty()) return;
  // Country and address select users: a matching session brings all of that user's sessions,
  // so that the matrix still shows the home days beside the foreign ones.
  auto matches = [&](const std::optional<IpAddress>& source) {
    if (!source) return false;
    if (!query.source.empty() && (!network || !network->Contains(*source))) return false;
    return query.country.empty() || geo.Locate(*source).country == query.country;
  };
  std::set<std::string_view> users;
  for (const auto& session : input.sessions) {
    if (matches(session.source)) users.insert(session.user);
  }
  std::erase_if(input.sessions, [&](const Session& s) { return users.count(s.user) == 0; });
  std::erase_if(input.attempts, [&](const LoginAttempt& a) {
    return users.count(a.user) == 0 && !matches(a.source);
  });
}

AnalysedAudit Analyse(const AuditOptions& options, AuditEnvironment& environment,
                      AuditInput input) {
  AnalysedAudit result;
  result.input = std::make_unique<AuditInput>(std::move(input));
  result.analysis = std::make_unique<Analysis>(PrepareAnalysis(
      *result.input, *environment.zone, *environment.geo, environment.allow, options.home_country));
  result.matrix = std::make_unique<UserDayMatrix>(BuildUserDayMatrix(*result.analysis));
  std::vector<std::string> notes = environment.notes;
  for (auto& note : RunDetectors(*result.analysis, *result.matrix, options.detectors,
                                 environment.geo->HasCoordinates())) {
    notes.push_back("skipped " + note);
  }
  result.context = ReportContext{result.analysis.get(),        result.matrix.get(),
                                 environment.geo->Databases(), notes,
                                 environment.allow.size(),     std::nullopt};
  return result;
}

Result<AuditOutcome> RunAudit(const AuditOptions& options, std::ostream& out) {
  auto environment = PrepareEnvironment(options);
  if (!environment) return environment.error();
  auto input = CollectInput(options, *environment);
  if (!input) return input.error();
  AuditQuery query{options.user_filter, options.country_filter, options.source_filter,
                   options.from_day, options.to_day};
  FilterInput(*input, query, *environment->zone, *environment->geo);
  AnalysedAudit audit = Analyse(options, *environment, std::move(*input));
  WriteTextSummary(out, audit.context);
  if (!options.json_path.empty()) {
    auto written = WriteFile(options.json_path, [&](std::ostream& file) {
      WriteFindingsJsonLines(file, *audit.analysis);
    });
    if (!written) return written.error();
  }
  if (!options.csv_path.empty()) {
    auto written = WriteFile(options.csv_path,
                             [&](std::ostream& file) { WriteSessionsCsv(file, *audit.analysis); });
    if (!written) return written.error();
  }
  if (!options.report_path.empty()) {
    auto written = WriteFile(options.report_path,
                             [&](std::ostream& file) { WriteHtmlReport(file, audit.context); });
    if (!written) return written.error();
    out << "report: " << options.report_path << "\n";
  }
  AuditOutcome outcome;
  outcome.findings = audit.analysis->findings.size();
  for (const auto& file : audit.input->files) {
    outcome.unparsed_lines += file.unparsed;
    if (!file.error.empty()) ++outcome.unreadable_files;
  }
  return outcome;
}

}  // namespace netwarden::audit
