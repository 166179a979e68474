// Report safety (issue 11 item 3), the HTML report: log-derived strings are attacker-controlled.
// The report embeds them as JSON that no string can break out of, under a
// Content-Security-Policy that allows only the page's own style and script.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "audit/html_escape.h"
#include "audit/report_csp.h"
#include "audit/report_html_page.h"
#include "crafted_strings.h"

namespace netwarden::audit {
namespace {

using testing::CraftedAudit;

constexpr std::string_view kDataOpen = "<script id=\"audit-data\" type=\"application/json\">";

size_t Count(std::string_view text, std::string_view what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

TEST(ReportSafety, EmbeddedJsonHoldsNoCharacterTheHtmlTokenizerReads) {
  CraftedAudit audit;
  std::string html = testing::HtmlReport(audit);
  auto open = html.find(kDataOpen);
  ASSERT_NE(open, std::string::npos);
  open += kDataOpen.size();
  auto close = html.find("</script>", open);
  ASSERT_NE(close, std::string::npos);
  std::string_view data = std::string_view(html).substr(open, close - open);
  EXPECT_EQ(data.find_first_of("<>&"), std::string_view::npos);
  EXPECT_EQ(data.find("\u2028"), std::string_view::npos);
  EXPECT_EQ(data.find("\u2029"), std::string_view::npos);
  // The data round-trips: one user entry per matrix row, names intact.
  auto json = nlohmann::json::parse(data);
  std::multiset<std::string> names;
  for (const auto& user : json["users"]) names.insert(user["name"].get<std::string>());
  EXPECT_EQ(names.size(), audit.matrix.rows.size());
  EXPECT_EQ(names.count("<!--<script>"), 1u);
  EXPECT_EQ(names.count("</script><script>document.documentElement.dataset.pwned = 1</script>"),
            1u);
  EXPECT_EQ(names.count("line\u2028separator\u2029paragraph"), 1u);
  EXPECT_EQ(names.count("(unknown)"), 2u);  // the unknown user and the one named so
}

TEST(ReportSafety, OnlyThePagesOwnTwoScriptElementsExist) {
  CraftedAudit audit;
  std::string html = testing::HtmlReport(audit);
  std::string lower = html;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(Count(lower, "<script"), 2u);
  EXPECT_EQ(Count(lower, "</script"), 2u);
  EXPECT_EQ(Count(lower, "<!--"), 0u);
  EXPECT_EQ(Count(lower, "<img"), 0u);
  // The file name and the notes are in the page's markup, escaped.
  EXPECT_NE(html.find("crafted&lt;/script&gt;&lt;!--.log"), std::string::npos);
}

TEST(ReportSafety, ContentSecurityPolicyNamesExactlyThePagesStyleAndScript) {
  CraftedAudit audit;
  std::string html = testing::HtmlReport(audit);
  const std::string& policy = ReportContentSecurityPolicy();
  EXPECT_NE(policy.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(policy.find("script-src " + CspHashSource(kReportScript) + ";"), std::string::npos);
  EXPECT_NE(policy.find("style-src " + CspHashSource(kReportStyle) + ";"), std::string::npos);
  EXPECT_EQ(policy.find("unsafe"), std::string::npos);
  EXPECT_NE(html.find("<meta http-equiv=\"Content-Security-Policy\" content=\"" +
                      EscapeHtml(policy) + "\">"),
            std::string::npos);
  // The hashes cover the elements' exact text.
  EXPECT_NE(html.find("<style>" + std::string(kReportStyle) + "</style>"), std::string::npos);
  EXPECT_NE(html.find("<script>" + std::string(kReportScript) + "</script>"), std::string::npos);
  // Hashes allow elements, not attributes: the page has no inline style or handler attributes.
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(<[^>]*\s(style|on[a-z]+)=)")));
  // A known vector: SHA-256 of "" (RFC 6234 test vector, base64).
  EXPECT_EQ(CspHashSource(""), "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
}

TEST(ReportSafety, EmbedJsonInScriptEscapesOnlyWhatItMust) {
  EXPECT_EQ(EmbedJsonInScript(R"({"a":"</script><!--&"})"),
            R"({"a":"\u003c/script\u003e\u003c!--\u0026"})");
  EXPECT_EQ(EmbedJsonInScript("[\"x\u2028y\u2029z\"]"), R"(["x\u2028y\u2029z"])");
  // Other characters of the E2 80 xx block and plain UTF-8 stay as they are.
  EXPECT_EQ(EmbedJsonInScript("[\"\u2026 \u65e5\u672c \\\\\"]"), "[\"\u2026 \u65e5\u672c \\\\\"]");
  EXPECT_EQ(EmbedJsonInScript("\xE2\x80"), "\xE2\x80");  // truncated input is left alone
  auto parsed = nlohmann::json::parse(EmbedJsonInScript(R"(["<\\>&"])"));
  EXPECT_EQ(parsed[0], "<\\>&");
}

TEST(ReportSafety, EscapeHtmlCoversTextAndQuotedAttributes) {
  EXPECT_EQ(EscapeHtml(R"(<a href="x">&</a>)"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
}

}  // namespace
}  // namespace netwarden::audit
