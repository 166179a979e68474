#include "audit/report_text.h"

#include <algorithm>
#include <map>
#include <set>

#include "audit/civil_time.h"
#include "audit/detectors/detectors.h"
#include "audit/outputs.h"
#include "audit/terminal_escape.h"
#include "fmt/format.h"

namespace netwarden::audit {

namespace {

constexpr size_t kFindingsShown = 50;

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace

void WriteTextSummary(std::ostream& out, const ReportContext& context) {
  const Analysis& analysis = *context.analysis;
  const AuditInput& input = *analysis.input;
  out << fmt::format("netwarden audit: {} file(s), time zone {}, home {}\n", input.files.size(),
                     analysis.zone->name(),
                     analysis.home_country.empty() ? "(none)" : analysis.home_country);
  if (context.databases.empty()) out << "geoip: none\n";
  for (const auto& database : context.databases) {
    out << fmt::format("geoip: {} ({}, built {})\n", EscapeForTerminal(database.path),
                       EscapeForTerminal(database.type), EscapeForTerminal(database.build_date));
  }
  for (const auto& file : input.files) {
    out << fmt::format("file {}: {}, {} lines, {} events, {} ignored, {} unparsed{}\n",
                       file.path == "-" ? "<stdin>" : EscapeForTerminal(file.path),
                       file.format ? LogFormatName(*file.format) : "unknown", file.lines,
                       file.events, file.ignored, file.unparsed,
                       file.error.empty() ? "" : " (" + EscapeForTerminal(file.error) + ")");
    if (!file.unparsed_ids.empty()) {
      out << fmt::format("  unparsed by message id: {}\n",
                         EscapeForTerminal(UnparsedIdSummary(file)));
    }
    if (file.admin_logins + file.admin_failures > 0) {
      out << fmt::format("  administrator logins (not VPN): {} succeeded, {} failed\n",
                         file.admin_logins, file.admin_failures);
    }
    for (const auto& [line, text] : file.unparsed_examples) {
      out << fmt::format("  unparsed line {}: {}\n", line, EscapeForTerminal(text));
    }
  }
  // Sessions are sorted by user: the users are the runs of one name.
  size_t users = 0;
  for (size_t i = 0; i < input.sessions.size(); ++i) {
    if (i == 0 || input.sessions[i].user != input.sessions[i - 1].user) ++users;
  }
  size_t failures = std::count_if(input.attempts.begin(), input.attempts.end(),
                                  [](const LoginAttempt& a) { return !a.success; });
  std::string period;
  if (!input.sessions.empty()) {
    auto [first, last] = std::minmax_element(
        analysis.places.begin(), analysis.places.end(),
        [](const SessionPlace& a, const SessionPlace& b) { return a.local_day < b.local_day; });
    period = fmt::format(", {} .. {}", FormatDay(first->local_day), FormatDay(last->local_day));
  }
  out << fmt::format("sessions: {} ({} users{}); failed logins: {}\n", input.sessions.size(), users,
                     period, failures);
  // Gateways that log a country (F5 CC=, GlobalProtect region) are cross-checked against GeoIP.
  size_t compared = 0;
  size_t disagreeing = 0;
  for (size_t i = 0; i < input.sessions.size(); ++i) {
    std::string_view logged = input.sessions[i].vendor_country;
    const std::string& located = analysis.places[i].geo().country;
    if (logged.size() != 2 || located.empty() || !analysis.places[i].counts()) continue;
    ++compared;
    if (logged != located) ++disagreeing;
  }
  if (compared > 0) {
    out << fmt::format("gateway-logged country differs from GeoIP for {} of {} sessions\n",
                       disagreeing, compared);
  }
  if (context.allow_listed_networks > 0) {
    out << fmt::format("allow-list: {} networks\n", context.allow_listed_networks);
  }
  std::map<std::string, size_t> per_rule;
  for (const auto& finding : analysis.findings) ++per_rule[finding.rule];
  std::vector<std::string> counts;
  for (const auto& [rule, count] : per_rule) counts.push_back(fmt::format("{} {}", rule, count));
  out << fmt::format("findings: {}{}\n", analysis.findings.size(),
                     counts.empty() ? "" : " (" + Join(counts, ", ") + ")");
  size_t shown = 0;
  for (const auto& finding : analysis.findings) {
    if (shown++ == kFindingsShown) {
      out << fmt::format("  ... {} more (see --json / --report)\n",
                         analysis.findings.size() - kFindingsShown);
      break;
    }
    std::vector<std::string> addresses;
    for (const auto& address : finding.addresses) addresses.push_back(address.ToString());
    out << fmt::format("  {:6} {:24} {:12} {} {} [{}] {}{}\n", SeverityName(finding.severity),
                       finding.rule, finding.user.empty() ? "-" : EscapeForTerminal(finding.user),
                       finding.day ? FormatDay(*finding.day) : FormatUtc(finding.time),
                       EscapeForTerminal(Join(finding.countries, ",")), Join(addresses, ","),
                       EscapeForTerminal(finding.detail),
                       finding.evidence.empty() ? ""
                                                : " @ " + EscapeForTerminal(EvidenceText(
                                                              input, finding.evidence.front())));
  }
  for (const auto& note : context.notes) out << "note: " << EscapeForTerminal(note) << "\n";
}

}  // namespace netwarden::audit
