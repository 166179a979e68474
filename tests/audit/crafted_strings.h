#pragma once
// Hostile strings as they can arrive in a VPN log (a user name is whatever a client typed at the
// login prompt): markup that ends or re-opens a <script> element, HTML comments, quotes, the
// JavaScript line separators, bidi overrides, terminal escapes, spreadsheet formulas, invalid
// UTF-8 and a very long name. Shared by the report safety test and the crafted report page.

#include <sstream>
#include <string>
#include <vector>

#include "audit/analysis.h"
#include "audit/detectors/detectors.h"
#include "audit/report_html.h"
#include "audit/report_text.h"

namespace netwarden::audit::testing {

inline std::vector<std::string> CraftedNames() {
  return {
      "alice",
      "</script><script>document.documentElement.dataset.pwned = 1</script>",
      "<!--<script>",
      "<!--",
      "-->",
      "<script>",
      "</SCRIPT >",
      "\"quoted\" 'single' `back`",
      "a&amp;b &lt;x&gt;",
      "line\u2028separator\u2029paragraph",
      "rtl\u202Eevil\u202Cname",
      "\u0627\u0644\u0639\u0631\u0628\u064A\u0629",  // Arabic: right-to-left text
      std::string(3000, 'w') + "-long",
      "=HYPERLINK(\"http://x\",\"y\")",
      "+1+1",
      "@SUM(A1)",
      "\x1b]0;title\x07\x1b[31mred",
      "tab\there\rcr\nnewline",
      "bad\xff\xfeutf8",
      "<img src=x onerror=\"document.documentElement.dataset.pwned = 2\">",
      "__proto__",
      "constructor",
      "(unknown)",
      "",  // an unknown user, shown as "(unknown)" next to the one really named so
  };
}

// One session per name, on two days: from home (133.11.0.0/16 is JP in CraftedGeo) and, on the
// second day, also from abroad (8.8.8.0/24, US), so every row has a red cell.
inline AuditInput CraftedInput(const std::vector<std::string>& names) {
  AuditInput input;
  FileSummary file;
  file.path = "crafted</script><!--.log";
  file.format = LogFormat::kF5Apm;
  file.lines = 10;
  file.unparsed = 1;
  file.unparsed_examples = {{7, "<!--<script> \x1b[2J unparsed"}};
  input.files.push_back(file);
  const int64_t day_one = 1709510400;  // 2024-03-04T00:00:00Z, 09:00 in Tokyo
  uint64_t line = 0;
  for (const auto& name : names) {
    for (int64_t offset : {int64_t{0}, int64_t{86400}, int64_t{86400 + 3600}}) {
      Session session;
      session.user = input.strings->Intern(name);
      session.source = *IpAddress::Parse(offset == 86400 + 3600 ? "8.8.8.8" : "133.11.0.1");
      session.start = day_one + offset;
      session.end = session.start + 600;
      session.client = session.user;
      session.session_id = session.user;
      session.evidence = {0, ++line};
      input.sessions.push_back(session);
    }
  }
  SortInput(input);
  return input;
}

inline GeoInfo CraftedPlace(const char* country, const char* city) {
  return GeoInfo{AddressClass::kPublic, country, city, std::nullopt, std::nullopt};
}

inline void AddCraftedGeo(StaticGeoLocator& geo) {
  geo.Add(*IpNetwork::Parse("133.11.0.0/16"), CraftedPlace("JP", "<!--<script>Tokyo"));
  geo.Add(*IpNetwork::Parse("8.8.8.0/24"), CraftedPlace("US", "=cmd|' /C calc'!A0"));
}

// Everything a report needs, built the way audit_run.cc builds it, with the detectors run (their
// findings carry the crafted names too).
struct CraftedAudit {
  CraftedAudit() : zone(std::move(*TimeZone::Load("Asia/Tokyo"))) {
    AddCraftedGeo(geo);
    input = CraftedInput(CraftedNames());
    analysis = PrepareAnalysis(input, zone, geo, AllowList(), "JP");
    matrix = BuildUserDayMatrix(analysis);
    RunDetectors(analysis, matrix, DetectorConfig(), false);
    context.analysis = &analysis;
    context.matrix = &matrix;
    context.notes = {"note with <!--<script> and \u2028"};
  }
  CraftedAudit(const CraftedAudit&) = delete;
  CraftedAudit& operator=(const CraftedAudit&) = delete;

  TimeZone zone;
  StaticGeoLocator geo;
  AuditInput input;
  Analysis analysis;
  UserDayMatrix matrix;
  ReportContext context;
};

inline std::string HtmlReport(const CraftedAudit& audit) {
  std::ostringstream out;
  WriteHtmlReport(out, audit.context);
  return out.str();
}

}  // namespace netwarden::audit::testing
