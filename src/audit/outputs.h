#pragma once
// Machine-readable outputs: sessions as CSV, login attempts as CSV, findings as JSON lines.

#include <ostream>
#include <string>

#include "audit/analysis.h"

namespace netwarden::audit {

// "path:line" of a piece of evidence.
std::string EvidenceText(const AuditInput& input, const Evidence& evidence);

void WriteSessionsCsv(std::ostream& out, const Analysis& analysis);
void WriteAttemptsCsv(std::ostream& out, const AuditInput& input);
// One finding per line: rule, user, time, day, countries, addresses, severity, detail, evidence.
void WriteFindingsJsonLines(std::ostream& out, const Analysis& analysis);
std::string FindingJson(const Analysis& analysis, const Finding& finding);

}  // namespace netwarden::audit
