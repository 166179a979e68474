#pragma once
// One self-contained HTML page: summary, findings, and the user x day matrix (home / abroad /
// both on one day in red), searchable by user and date range; a cell opens its sessions.

#include <ostream>

#include "audit/report_text.h"

namespace netwarden::audit {

void WriteHtmlReport(std::ostream& out, const ReportContext& context);

}  // namespace netwarden::audit
