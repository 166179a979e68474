// Baseline tests (Zeek style): every log under tests/audit/baseline/ is parsed and its sessions,
// login attempts and counts are diffed against <log>.sessions.expected; the generated logs are
// also audited end to end with the real GeoIP databases and their findings diffed against
// <log>.findings.expected. NETWARDEN_UPDATE_BASELINE=1 rewrites the expected files.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "audit/audit_run.h"
#include "audit/civil_time.h"
#include "audit/detectors/detectors.h"
#include "audit/history_db.h"
#include "audit/outputs.h"
#include "audit/parsers/parser.h"

namespace netwarden::audit {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kNow = 1735689600;  // 2025-01-01: fixes the year of year-less headers

fs::path BaselineDir() { return fs::path(NETWARDEN_TEST_DATA) / "audit" / "baseline"; }

std::vector<fs::path> Logs(std::string_view prefix) {
  std::vector<fs::path> logs;
  for (const auto& entry : fs::directory_iterator(BaselineDir())) {
    std::string name = entry.path().filename().string();
    if (name.starts_with(prefix) && (name.ends_with(".log") || name.ends_with(".log.gz"))) {
      logs.push_back(entry.path());
    }
  }
  std::sort(logs.begin(), logs.end());
  return logs;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string StemOf(const fs::path& log) {
  std::string name = log.filename().string();
  if (name.ends_with(".gz")) name.resize(name.size() - 3);
  return name;
}

void CompareWithBaseline(const fs::path& expected_path, const std::string& actual) {
  if (std::getenv("NETWARDEN_UPDATE_BASELINE") != nullptr) {
    std::ofstream(expected_path, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(fs::exists(expected_path)) << expected_path << " missing; run with "
                                         << "NETWARDEN_UPDATE_BASELINE=1 to create it";
  EXPECT_EQ(ReadFile(expected_path), actual) << "differs from " << expected_path;
}

std::string RenderParse(const fs::path& log) {
  auto zone = TimeZone::Load("Asia/Tokyo");
  EXPECT_TRUE(zone.ok());
  IngestOptions options;
  options.year = 2024;
  options.now = kNow;
  AuditInput input;
  IngestFile(log.string(), *zone, options, input);
  SortInput(input);
  input.files[0].path = StemOf(log);
  StaticGeoLocator no_geo;
  Analysis analysis = PrepareAnalysis(input, *zone, no_geo, AllowList(), "");
  std::ostringstream out;
  const FileSummary& file = input.files[0];
  out << "format: " << (file.format ? LogFormatName(*file.format) : "unknown") << "\n"
      << "lines: " << file.lines << " events: " << file.events << " ignored: " << file.ignored
      << " unparsed: " << file.unparsed << "\n";
  if (!file.unparsed_ids.empty()) out << "unparsed ids: " << UnparsedIdSummary(file) << "\n";
  if (file.admin_logins + file.admin_failures > 0) {
    out << "admin logins: " << file.admin_logins << " failed: " << file.admin_failures << "\n";
  }
  for (const auto& [line, text] : file.unparsed_examples)
    out << "unparsed " << line << ": " << text << "\n";
  out << "# sessions\n";
  WriteSessionsCsv(out, analysis);
  bool any_bytes = false;
  for (const auto& session : input.sessions) {
    if (session.bytes_in == 0 && session.bytes_out == 0) continue;
    if (!any_bytes) out << "# session bytes (user,start,in,out)\n";
    any_bytes = true;
    out << session.user << ',' << FormatUtc(session.start) << ',' << session.bytes_in << ','
        << session.bytes_out << "\n";
  }
  out << "# attempts\n";
  WriteAttemptsCsv(out, input);
  bool any_reason = false;
  for (const auto& attempt : input.attempts) {
    if (attempt.reason.empty()) continue;
    if (!any_reason) out << "# failure reasons (time,user,reason)\n";
    any_reason = true;
    out << FormatUtc(attempt.time) << ',' << attempt.user << ',' << attempt.reason << "\n";
  }
  return out.str();
}

TEST(AuditBaseline, ParsesEveryLogAsRecorded) {
  auto logs = Logs("");
  ASSERT_GE(logs.size(), 15u);
  for (const auto& log : logs) {
    SCOPED_TRACE(log.string());
    CompareWithBaseline(BaselineDir() / (StemOf(log) + ".sessions.expected"), RenderParse(log));
  }
}

// The doc-<format>*.log files hold one line per documented message and header variant: every
// line alone must be detected as its vendor's, as a customer's file beginning with it would be.
TEST(AuditBaseline, DetectionRecognisesEveryDocumentedLineAlone) {
  auto zone = TimeZone::Load("Asia/Tokyo");
  auto logs = Logs("doc-");
  ASSERT_GE(logs.size(), 7u);
  for (const auto& log : logs) {
    std::string name = log.filename().string();
    std::string format_name = name.substr(4, name.find('.') - 4);
    auto format = LogFormatFromName(format_name);
    ASSERT_TRUE(format.has_value()) << name;
    std::istringstream lines(ReadFile(log));
    std::string line;
    size_t number = 0;
    while (std::getline(lines, line)) {
      ++number;
      std::vector<std::string> sample{line};
      EXPECT_EQ(DetectFormat(sample, *zone), format) << name << ":" << number << ": " << line;
    }
  }
}

TEST(AuditBaseline, FormatOverrideAndUnknownFilesNeverStopTheRun) {
  auto zone = TimeZone::Load("UTC");
  IngestOptions options;
  options.year = 2024;
  AuditInput input;
  options.format = LogFormat::kF5Apm;  // wrong on purpose
  IngestFile((BaselineDir() / "sample-asa.log").string(), *zone, options, input);
  options.format.reset();
  IngestFile((fs::path(NETWARDEN_TEST_DATA) / "audit" / "allow_list.txt").string(), *zone, options,
             input);
  IngestFile("/nonexistent/netwarden.log", *zone, options, input);
  IngestFile((BaselineDir() / "sample-pulse.log").string(), *zone, options, input);
  ASSERT_EQ(input.files.size(), 4u);
  EXPECT_EQ(input.files[0].events, 0u);
  EXPECT_EQ(input.files[0].unparsed, 9u);
  EXPECT_EQ(input.files[0].unparsed_examples.size(), 3u);
  EXPECT_FALSE(input.files[1].format.has_value());
  EXPECT_NE(input.files[1].error.find("format not recognised"), std::string::npos);
  EXPECT_NE(input.files[2].error.find("cannot open"), std::string::npos);
  EXPECT_EQ(input.files[3].format, LogFormat::kPulse);
  EXPECT_EQ(input.sessions.size(), 2u);
}

bool HaveGeoDatabases() {
  return !DefaultCountryDatabase().empty() && DefaultCityDatabases().size() == 2;
}

std::string RunGenerated(const fs::path& log, const std::string& json_path) {
  AuditOptions options;
  options.inputs = {log.string()};
  options.time_zone = "Asia/Tokyo";
  options.year = 2024;
  options.now = kNow;
  options.home_country = "JP";
  options.allow_list = (BaselineDir().parent_path() / "allow_list.txt").string();
  options.json_path = json_path;
  std::ostringstream summary;
  auto outcome = RunAudit(options, summary);
  EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().ToString());
  std::string json = ReadFile(json_path);
  // Evidence names the file by its full path; the baseline by its name.
  std::string prefix = log.string() + ":";
  for (size_t at = json.find(prefix); at != std::string::npos; at = json.find(prefix, at)) {
    json.replace(at, prefix.size(), StemOf(log) + ":");
  }
  return json;
}

TEST(AuditBaseline, GeneratedLogsYieldThePlantedFindings) {
  if (!HaveGeoDatabases()) GTEST_SKIP() << "GeoIP databases not installed (make installs them)";
  fs::path json_path = fs::temp_directory_path() / "netwarden-audit-baseline.jsonl";
  for (const auto& log : Logs("generated-")) {
    SCOPED_TRACE(log.string());
    std::string json = RunGenerated(log, json_path.string());
    CompareWithBaseline(BaselineDir() / (StemOf(log) + ".findings.expected"), json);
    auto has = [&](std::string_view rule, std::string_view user) {
      std::string needle =
          "{\"rule\":\"" + std::string(rule) + "\",\"user\":\"" + std::string(user) + "\"";
      return json.find(needle) != std::string::npos;
    };
    EXPECT_TRUE(has("home-and-abroad-same-day", "mallory"));
    EXPECT_NE(json.find("\"day\":\"2024-03-13\",\"countries\":[\"CN\",\"JP\"],\"addresses\":"
                        "[\"133.11.0.1\",\"36.110.0.1\"],\"severity\":\"high\""),
              std::string::npos);
    EXPECT_TRUE(has("impossible-travel", "mallory"));
    EXPECT_TRUE(has("concurrent-sessions", "carol"));
    EXPECT_TRUE(has("new-country", "trent"));
    EXPECT_TRUE(has("failures-then-success", "dave"));
    // OpenVPN does not log the user name of a failed login: spraying is invisible there.
    if (log.string().find("openvpn") == std::string::npos) {
      EXPECT_TRUE(has("password-spray", ""));
    }
    // No finding is about a guard user (a spray's attempts may name them as its targets).
    for (std::string_view guard : {"erin", "ivan", "frank"}) {
      for (std::string_view rule : kRuleNames) EXPECT_FALSE(has(rule, guard)) << guard;
    }
  }
  fs::remove(json_path);
}

TEST(AuditReport, HtmlIsSelfContainedAndCreditsTheGeoData) {
  if (!HaveGeoDatabases()) GTEST_SKIP() << "GeoIP databases not installed (make installs them)";
  fs::path html_path = fs::temp_directory_path() / "netwarden-audit-report.html";
  AuditOptions options;
  options.inputs = {(BaselineDir() / "generated-f5.log.gz").string()};
  options.time_zone = "Asia/Tokyo";
  options.year = 2024;
  options.now = kNow;
  options.home_country = "JP";
  options.report_path = html_path.string();
  std::ostringstream summary;
  ASSERT_TRUE(RunAudit(options, summary).ok());
  EXPECT_NE(summary.str().find("built 20"), std::string::npos);
  std::string html = ReadFile(html_path);
  EXPECT_NE(html.find("<a href=\"https://db-ip.com\">IP Geolocation by DB-IP</a>"),
            std::string::npos);
  EXPECT_NE(html.find("built 20"), std::string::npos);
  EXPECT_NE(html.find("\"2024-03-04\":{\"c\":\"both\""), std::string::npos);  // mallory's red day
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  fs::remove(html_path);
}

TEST(AuditHistory, IngestingTheSameLogTwiceAddsNothing) {
  fs::path db = fs::temp_directory_path() / "netwarden-audit-history-test.db";
  fs::path renamed = fs::temp_directory_path() / "netwarden-audit-rotated.log.gz";
  fs::remove(db);
  fs::copy_file(BaselineDir() / "generated-ocserv.log.gz", renamed,
                fs::copy_options::overwrite_existing);
  AuditOptions options;
  options.time_zone = "Asia/Tokyo";
  options.year = 2024;
  options.now = kNow;
  options.no_geo = true;
  options.db_path = db.string();
  auto ingest = [&](const fs::path& log) {
    options.inputs = {log.string()};
    std::ostringstream summary;
    EXPECT_TRUE(RunAudit(options, summary).ok());
    return summary.str();
  };
  std::string first = ingest(BaselineDir() / "generated-ocserv.log.gz");
  EXPECT_NE(first.find("sessions and"), std::string::npos);
  EXPECT_EQ(first.find(": 0 sessions and 0 attempts added"), std::string::npos);
  std::string again = ingest(BaselineDir() / "generated-ocserv.log.gz");
  EXPECT_NE(again.find("already in the history database"), std::string::npos);
  EXPECT_NE(again.find(": 0 sessions and 0 attempts added"), std::string::npos);
  // The same lines under another name (a rotated log) are read, but add no rows.
  std::string rotated = ingest(renamed);
  EXPECT_NE(rotated.find(": 0 sessions and 0 attempts added"), std::string::npos);

  auto zone = TimeZone::Load("Asia/Tokyo");
  auto history = HistoryDb::Open(db.string());
  ASSERT_TRUE(history.ok());
  auto all = (*history)->Load(*zone, std::nullopt, std::nullopt);
  auto one_day = (*history)->Load(*zone, ParseDay("2024-03-04"), ParseDay("2024-03-04"));
  ASSERT_TRUE(all.ok() && one_day.ok());
  EXPECT_GT(all->sessions.size(), one_day->sessions.size());
  for (const auto& session : one_day->sessions) {
    EXPECT_EQ(FormatDay(zone->LocalDay(session.start)), "2024-03-04");
  }
  fs::remove(db);
  fs::remove(renamed);
}

}  // namespace
}  // namespace netwarden::audit
