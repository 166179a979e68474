// Writes the HTML report of the crafted audit (crafted_strings.h) and the user names its matrix
// must show, one row each, for report_safety_browser_test.sh to check in headless Chromium.
// usage: audit_crafted_report <report.html> <expected-users.json>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "audit/report_html.h"
#include "crafted_strings.h"

int main(int argc, char** argv) {
  using namespace netwarden::audit;
  if (argc != 3) {
    std::cerr << "usage: audit_crafted_report <report.html> <expected-users.json>\n";
    return 2;
  }
  testing::CraftedAudit audit;
  std::ofstream html(argv[1]);
  WriteHtmlReport(html, audit.context);
  nlohmann::json users = nlohmann::json::array();
  for (const auto& row : audit.matrix.rows) {
    users.push_back(row.user.empty() ? std::string("(unknown)") : std::string(row.user));
  }
  std::ofstream expected(argv[2]);
  // The report replaces invalid UTF-8 the same way.
  expected << users.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  html.close();
  expected.close();
  if (!html || !expected) {
    std::cerr << "audit_crafted_report: cannot write the outputs\n";
    return 1;
  }
  return 0;
}
