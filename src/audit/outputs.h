#pragma once
// Machine-readable outputs: sessions as CSV, login attempts as CSV, findings as JSON lines.

#include <ostream>
#include <string>
#include <string_view>

#include "audit/analysis.h"

namespace netwarden::audit {

// One CSV field (RFC 4180) of untrusted text: a text that could be a formula (=, +, -, @, tab,
// CR first) gets a leading ' so that a spreadsheet shows it and never evaluates it; quoted when
// it holds a separator, quote or line end.
std::string CsvField(std::string_view text);

// "path:line" of a piece of evidence.
std::string EvidenceText(const AuditInput& input, const Evidence& evidence);

void WriteSessionsCsv(std::ostream& out, const Analysis& analysis);
void WriteAttemptsCsv(std::ostream& out, const AuditInput& input);
// One finding per line: rule, user, time, day, countries, addresses, severity, detail, evidence.
void WriteFindingsJsonLines(std::ostream& out, const Analysis& analysis);
std::string FindingJson(const Analysis& analysis, const Finding& finding);

}  // namespace netwarden::audit
