#include "audit/report_html.h"

namespace netwarden::audit {

void WriteHtmlReport(std::ostream& out, const ReportContext& /*context*/) {
  out << "<!doctype html><title>netwarden audit</title>\n";
}

}  // namespace netwarden::audit
