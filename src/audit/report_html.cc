#include "audit/report_html.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "audit/civil_time.h"
#include "audit/detectors/detectors.h"
#include "audit/html_escape.h"
#include "audit/outputs.h"
#include "audit/report_csp.h"
#include "audit/report_html_page.h"
#include "fmt/format.h"

namespace netwarden::audit {

namespace {

using Json = nlohmann::ordered_json;

constexpr int64_t kMaxContinuousDays = 3 * 366;

std::string CellClass(const DayCell& cell, bool have_home) {
  if (cell.home && cell.abroad) return "both";
  if (cell.abroad) return "abroad";
  if (cell.home) return "home";
  return (!have_home && cell.country_count > 0) ? "home" : "other";
}

Json BuildData(const ReportContext& context) {
  const Analysis& analysis = *context.analysis;
  const AuditInput& input = *analysis.input;
  bool have_home = !analysis.home_country.empty();
  Json data;
  int64_t first_day = INT64_MAX;
  int64_t last_day = INT64_MIN;
  // One entry per matrix row, with its cells: rows never depend on names being unique or
  // well-formed ("" and "(unknown)" stay two rows).
  struct Row {
    std::string name;
    size_t red = 0;
    Json cells = Json::object();
  };
  std::vector<Row> rows;
  const UserDayMatrix& matrix = *context.matrix;
  std::set<int64_t> days_with_data;
  for (const UserRow& user : matrix.rows) {
    Row row;
    row.name = user.user.empty() ? "(unknown)" : std::string(user.user);
    for (const DayCell& cell : matrix.Cells(user)) {
      first_day = std::min(first_day, cell.day);
      last_day = std::max(last_day, cell.day);
      days_with_data.insert(cell.day);
      if (cell.home && cell.abroad) ++row.red;
      Json countries = Json::array();
      for (std::string_view country : matrix.Countries(cell)) countries.push_back(country);
      if (countries.empty()) countries.push_back("·");
      Json indices = Json::array();
      for (uint32_t index : matrix.Sessions(cell)) indices.push_back(index);
      row.cells[FormatDay(cell.day)] =
          Json{{"c", CellClass(cell, have_home)}, {"k", countries}, {"s", std::move(indices)}};
    }
    rows.push_back(std::move(row));
  }
  // Users with red days first, then by name: the rows a reviewer must see.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.red > b.red; });
  Json user_list = Json::array();
  for (auto& row : rows) {
    user_list.push_back(
        Json{{"name", row.name}, {"red", row.red}, {"cells", std::move(row.cells)}});
  }
  // Every day of the period, so that gaps show; but a stray timestamp years away must not
  // inflate the page, so long periods list only the days with sessions.
  Json day_list = Json::array();
  if (first_day <= last_day && last_day - first_day <= kMaxContinuousDays) {
    for (int64_t day = first_day; day <= last_day; ++day) day_list.push_back(FormatDay(day));
  } else {
    for (int64_t day : days_with_data) day_list.push_back(FormatDay(day));
  }
  Json sessions = Json::array();
  for (size_t i = 0; i < input.sessions.size(); ++i) {
    const Session& session = input.sessions[i];
    const SessionPlace& place = analysis.places[i];
    sessions.push_back(
        Json::array({FormatUtc(session.start), session.end ? FormatUtc(*session.end) : "",
                     session.source ? session.source->ToString() : "",
                     CountryLabel(place.geo()) + (place.allow_listed ? " (allow-listed)" : ""),
                     place.geo().city, session.tunnel ? session.tunnel->ToString() : "",
                     session.client, EvidenceText(input, session.evidence)}));
  }
  Json findings = Json::array();
  for (const auto& finding : analysis.findings) {
    findings.push_back(Json::parse(FindingJson(analysis, finding)));
  }
  data["users"] = std::move(user_list);
  data["days"] = std::move(day_list);
  data["sessions"] = std::move(sessions);
  data["findings"] = std::move(findings);
  return data;
}

void WriteSummary(std::ostream& out, const ReportContext& context) {
  const Analysis& analysis = *context.analysis;
  const AuditInput& input = *analysis.input;
  out << "<h1>VPN access audit</h1>\n<p class=\"meta\">Time zone "
      << EscapeHtml(analysis.zone->name()) << ", home country "
      << EscapeHtml(analysis.home_country.empty() ? "(none)" : analysis.home_country) << ". "
      << input.sessions.size() << " sessions, "
      << std::count_if(input.attempts.begin(), input.attempts.end(),
                       [](const LoginAttempt& attempt) { return !attempt.success; })
      << " failed logins, " << analysis.findings.size()
      << " findings.</p>\n<p class=\"meta\">GeoIP: ";
  bool city = false;
  if (context.databases.empty()) out << "none";
  for (const auto& database : context.databases) {
    out << EscapeHtml(database.path) << " (" << EscapeHtml(database.type) << ", built "
        << database.build_date << "); ";
    city = city || database.is_city;
  }
  out << "</p>\n";
  if (city) {
    out << "<p class=\"meta\"><a href=\"https://db-ip.com\">IP Geolocation by DB-IP</a> "
           "(CC BY 4.0).</p>\n";
  }
  for (const auto& note : context.notes)
    out << "<p class=\"note\">" << EscapeHtml(note) << "</p>\n";
  if (context.served_query) {
    const ServedQuery& query = *context.served_query;
    auto field = [&](const char* name, const char* label, const std::string& value,
                     const char* type) {
      out << "<label>" << label << " <input name=\"" << name << "\" type=\"" << type
          << "\" value=\"" << EscapeHtml(value) << "\"></label> ";
    };
    out << "<form class=\"controls\" method=\"get\" action=\"/\" id=\"query\">History: ";
    field("user", "user", query.user, "text");
    field("from", "from", query.from, "date");
    field("to", "to", query.to, "date");
    field("country", "country", query.country, "text");
    field("source", "source IP / CIDR", query.source, "text");
    if (!query.token.empty()) {
      out << R"(<input type="hidden" name="token" value=")" << EscapeHtml(query.token) << R"(">)";
    }
    out << "<button type=\"submit\">Search</button></form>\n";
  }
  out << "<h2>Files</h2>\n<table><tr><th>file</th><th>format</th><th>lines</th><th>events</th>"
         "<th>unparsed</th><th>unparsed by message id</th><th>admin logins</th><th>problem</th>"
         "</tr>\n";
  for (const auto& file : input.files) {
    out << "<tr><td>" << EscapeHtml(file.path) << "</td><td>"
        << (file.format ? LogFormatName(*file.format) : "unknown") << "</td><td>" << file.lines
        << "</td><td>" << file.events << "</td><td>" << file.unparsed << "</td><td>"
        << EscapeHtml(UnparsedIdSummary(file)) << "</td><td>" << file.admin_logins << " / "
        << file.admin_failures << " failed</td><td>" << EscapeHtml(file.error) << "</td></tr>\n";
  }
  out << "</table>\n";
}

}  // namespace

void WriteHtmlReport(std::ostream& out, const ReportContext& context) {
  out << R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content=")HTML"
      << EscapeHtml(ReportContentSecurityPolicy()) << R"HTML(">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>netwarden audit</title>
<style>)HTML"
      << kReportStyle << "</style></head><body>\n";
  WriteSummary(out, context);
  out << R"HTML(<h2>User × day</h2>
<div class="controls">
<label>User <input id="user" type="search" placeholder="name contains"></label>
<label>From <input id="from" type="date"></label>
<label>To <input id="to" type="date"></label>
</div>
<p class="legend"><span class="home">home</span><span class="abroad">abroad</span><span class="both">home and abroad on one day</span><span class="other">private / unknown only</span></p>
<p id="matrix-note" class="meta"></p>
<table id="matrix"></table>
<div id="sessions"></div>
<h2>Findings</h2>
<table><thead><tr><th>severity</th><th>rule</th><th>user</th><th>day / time</th><th>countries</th><th>addresses</th><th>detail</th><th>evidence</th></tr></thead><tbody id="findings-body"></tbody></table>
<script id="audit-data" type="application/json">)HTML";
  out << EmbedJsonInScript(BuildData(context).dump(-1, ' ', false, Json::error_handler_t::replace))
      << "</script>\n<script>" << kReportScript << "</script>\n</body></html>\n";
}

}  // namespace netwarden::audit
