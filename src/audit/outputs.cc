#include "audit/outputs.h"

#include <nlohmann/json.hpp>

#include "audit/civil_time.h"

namespace netwarden::audit {

namespace {

// A spreadsheet opening the CSV evaluates a cell that starts with one of these as a formula
// (=HYPERLINK(...), =cmd|...!A0, +1+1, -1+1, @SUM(...)); some strip a leading tab or CR and
// then evaluate what follows. The full-width forms are treated the same as a precaution
// (East Asian input methods type them).
bool StartsLikeAFormula(std::string_view text) {
  if (text.empty()) return false;
  if (std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) return true;
  for (std::string_view full_width : {"\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"}) {
    if (text.starts_with(full_width)) return true;
  }
  return false;
}

std::string AddressText(const std::optional<IpAddress>& address) {
  return address ? address->ToString() : std::string();
}

// Seconds from start to end; empty when the end was not logged.
std::string DurationText(const Session& session) {
  return session.end ? std::to_string(*session.end - session.start) : std::string();
}

// Empty when the gateway logged no count (0 is how a session says so).
std::string BytesText(uint64_t bytes) { return bytes != 0 ? std::to_string(bytes) : std::string(); }

}  // namespace

std::string CsvField(std::string_view text) {
  std::string value;
  if (StartsLikeAFormula(text)) value = "'";
  value += text;
  if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string EvidenceText(const AuditInput& input, const Evidence& evidence) {
  const std::string& path =
      evidence.file < input.files.size() ? input.files[evidence.file].path : std::string("?");
  return (path == "-" ? std::string("<stdin>") : path) + ":" + std::to_string(evidence.line);
}

void WriteSessionsCsv(std::ostream& out, const Analysis& analysis) {
  const AuditInput& input = *analysis.input;
  out << "user,start,end,local_day,source,country,city,allow_listed,tunnel,session_id,client,"
         "vendor_country,format,evidence,duration_s,bytes_in,bytes_out\n";
  for (size_t i = 0; i < input.sessions.size(); ++i) {
    const Session& session = input.sessions[i];
    const SessionPlace& place = analysis.places[i];
    out << CsvField(session.user) << ',' << FormatUtc(session.start) << ','
        << (session.end ? FormatUtc(*session.end) : "") << ',' << FormatDay(place.local_day) << ','
        << AddressText(session.source) << ',' << CsvField(CountryLabel(place.geo())) << ','
        << CsvField(place.geo().city) << ',' << (place.allow_listed ? "yes" : "") << ','
        << AddressText(session.tunnel) << ',' << CsvField(session.session_id) << ','
        << CsvField(session.client) << ',' << CsvField(session.vendor_country) << ','
        << LogFormatName(session.format) << ',' << CsvField(EvidenceText(input, session.evidence))
        << ',' << DurationText(session) << ',' << BytesText(session.bytes_in) << ','
        << BytesText(session.bytes_out) << '\n';
  }
}

void WriteAttemptsCsv(std::ostream& out, const AuditInput& input) {
  out << "time,result,user,source,evidence,reason\n";
  for (const auto& attempt : input.attempts) {
    out << FormatUtc(attempt.time) << ',' << (attempt.success ? "success" : "failure") << ','
        << CsvField(attempt.user) << ',' << AddressText(attempt.source) << ','
        << CsvField(EvidenceText(input, attempt.evidence)) << ',' << CsvField(attempt.reason)
        << '\n';
  }
}

std::string FindingJson(const Analysis& analysis, const Finding& finding) {
  nlohmann::ordered_json json;
  json["rule"] = finding.rule;
  json["user"] = finding.user;
  json["time"] = FormatUtc(finding.time);
  if (finding.day) json["day"] = FormatDay(*finding.day);
  json["countries"] = finding.countries;
  auto& addresses = json["addresses"] = nlohmann::ordered_json::array();
  for (const auto& address : finding.addresses) addresses.push_back(address.ToString());
  json["severity"] = SeverityName(finding.severity);
  json["detail"] = finding.detail;
  auto& evidence = json["evidence"] = nlohmann::ordered_json::array();
  for (const auto& item : finding.evidence) evidence.push_back(EvidenceText(*analysis.input, item));
  // The sessions and failed logins behind the finding, with what the gateway logged of them.
  const AuditInput& input = *analysis.input;
  if (!finding.sessions.empty()) {
    auto& sessions = json["sessions"] = nlohmann::ordered_json::array();
    for (size_t index : finding.sessions) {
      if (index >= input.sessions.size()) continue;
      const Session& session = input.sessions[index];
      nlohmann::ordered_json item;
      item["start"] = FormatUtc(session.start);
      if (session.end) {
        item["end"] = FormatUtc(*session.end);
        item["duration_s"] = *session.end - session.start;
      }
      if (session.bytes_in != 0) item["bytes_in"] = session.bytes_in;
      if (session.bytes_out != 0) item["bytes_out"] = session.bytes_out;
      item["evidence"] = EvidenceText(input, session.evidence);
      sessions.push_back(std::move(item));
    }
  }
  if (!finding.attempts.empty()) {
    auto& attempts = json["attempts"] = nlohmann::ordered_json::array();
    for (size_t index : finding.attempts) {
      if (index >= input.attempts.size()) continue;
      const LoginAttempt& attempt = input.attempts[index];
      nlohmann::ordered_json item;
      item["time"] = FormatUtc(attempt.time);
      item["user"] = attempt.user;
      item["result"] = attempt.success ? "success" : "failure";
      if (!attempt.reason.empty()) item["reason"] = attempt.reason;
      item["evidence"] = EvidenceText(input, attempt.evidence);
      attempts.push_back(std::move(item));
    }
  }
  // Log lines are not guaranteed UTF-8; replace rather than throw.
  return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void WriteFindingsJsonLines(std::ostream& out, const Analysis& analysis) {
  for (const auto& finding : analysis.findings) out << FindingJson(analysis, finding) << '\n';
}

}  // namespace netwarden::audit
