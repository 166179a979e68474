// Report safety (issue 11 item 3), CSV: no field of untrusted text reaches a spreadsheet as a
// formula, and crafted names never change the shape of the file.

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "audit/outputs.h"
#include "crafted_strings.h"

namespace netwarden::audit {
namespace {

using testing::CraftedAudit;

// RFC 4180 records (quoted fields may hold separators, quotes and line ends).
std::vector<std::vector<std::string>> ParseCsv(std::string_view text) {
  std::vector<std::vector<std::string>> records(1);
  std::string field;
  bool quoted = false;
  bool field_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && !field_started) {
      quoted = field_started = true;
    } else if (c == ',') {
      records.back().push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\n') {
      records.back().push_back(std::move(field));
      field.clear();
      field_started = false;
      records.emplace_back();
    } else {
      field += c;
      field_started = true;
    }
  }
  if (records.back().empty()) records.pop_back();
  return records;
}

TEST(CsvSafety, CsvFieldNeutralisesFormulasAndQuotes) {
  EXPECT_EQ(CsvField("alice"), "alice");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("=1+1"), "'=1+1");
  EXPECT_EQ(CsvField("+1"), "'+1");
  EXPECT_EQ(CsvField("-1"), "'-1");
  EXPECT_EQ(CsvField("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvField("\t=1"), "'\t=1");
  EXPECT_EQ(CsvField("\r=1"), "\"'\r=1\"");
  EXPECT_EQ(CsvField("\uFF1D1+1"), "'\uFF1D1+1");  // full-width =
  EXPECT_EQ(CsvField("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  EXPECT_EQ(CsvField("a=b"), "a=b");  // only the first character matters
  EXPECT_EQ(CsvField("x,y"), "\"x,y\"");
  EXPECT_EQ(CsvField("line\nend"), "\"line\nend\"");
}

TEST(CsvSafety, SessionsCsvOfCraftedNamesKeepsItsShapeAndNoFormula) {
  CraftedAudit audit;
  std::ostringstream out;
  WriteSessionsCsv(out, audit.analysis);
  auto records = ParseCsv(out.str());
  ASSERT_EQ(records.size(), audit.input.sessions.size() + 1);
  const size_t columns = records[0].size();
  std::multiset<std::string> users;
  for (size_t i = 1; i < records.size(); ++i) {
    ASSERT_EQ(records[i].size(), columns) << "record " << i;
    for (const auto& field : records[i]) {
      ASSERT_FALSE(!field.empty() &&
                   std::string_view("=+-@\t\r").find(field[0]) != std::string_view::npos)
          << field;
    }
    users.insert(records[i][0]);
  }
  EXPECT_EQ(users.count("'=HYPERLINK(\"http://x\",\"y\")"), 3u);
  EXPECT_EQ(users.count("'+1+1"), 3u);
  EXPECT_EQ(users.count("'@SUM(A1)"), 3u);
  EXPECT_EQ(users.count("tab\there\rcr\nnewline"), 3u);  // intact inside quotes
  EXPECT_EQ(users.count("\"quoted\" 'single' `back`"), 3u);
  // The city of 8.8.8.8 in the crafted geo table is a DDE formula.
  bool city_neutralised = false;
  for (const auto& record : records) city_neutralised |= record[6] == "'=cmd|' /C calc'!A0";
  EXPECT_TRUE(city_neutralised);
}

TEST(CsvSafety, AttemptsCsvNeutralisesFormulas) {
  AuditInput input;
  FileSummary file;
  file.path = "-x.log";
  input.files.push_back(file);
  input.attempts.push_back(LoginAttempt{0, "=1+1", std::nullopt, false, {0, 1}, {}});
  std::ostringstream out;
  WriteAttemptsCsv(out, input);
  EXPECT_EQ(
      out.str(),
      "time,result,user,source,evidence,reason\n1970-01-01T00:00:00Z,failure,'=1+1,,'-x.log:1,\n");
}

}  // namespace
}  // namespace netwarden::audit
