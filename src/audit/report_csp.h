#pragma once
// The Content-Security-Policy of the HTML report: nothing may load or run but the page's own
// inline style and script, named by their SHA-256 hashes. A string that slipped past the escaping
// still could not execute. The report file carries it in a <meta> element; `audit serve` also
// sends it as a header (with frame-ancestors, which only a header can carry).

#include <string>
#include <string_view>

namespace netwarden::audit {

// "'sha256-<base64>'" of `text`, as CSP source expressions name an inline element.
std::string CspHashSource(std::string_view text);

// The policy for the report page (kReportStyle and kReportScript of report_html_page.h).
const std::string& ReportContentSecurityPolicy();

}  // namespace netwarden::audit
