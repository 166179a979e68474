#pragma once
// Shared body of the audit parser fuzzers: the input is a log file of one format, run through
// parsing, sessionizing, detection and every output, as a real audit would.

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>

#include "audit/detectors/detectors.h"
#include "audit/outputs.h"
#include "audit/parsers/parser.h"
#include "audit/report_html.h"
#include "audit/sessionizer.h"

namespace netwarden::audit {

inline int FuzzAuditFormat(LogFormat format, const uint8_t* data, size_t size) {
  static const TimeZone zone = std::move(*TimeZone::Load("UTC"));
  std::string_view text(reinterpret_cast<const char*>(data), size);
  AuditInput input;
  input.files.push_back(FileSummary{"fuzz", format, {}, 0, 0, 0, 0, {}, {}, 0, 0});
  auto parser = MakeParser(format);
  TimeResolver time(zone, 2024, 0);
  Sessionizer sessionizer(format, 0, input.sessions, input.attempts, *input.strings);
  uint64_t number = 0;
  while (!text.empty()) {
    std::string_view line = text.substr(0, text.find('\n'));
    text.remove_prefix(std::min(text.size(), line.size() + 1));
    Event event;
    if (parser->Parse(line, time, event) == LineOutcome::kEvent) sessionizer.Add(event, ++number);
  }
  sessionizer.Finish();
  SortInput(input);
  StaticGeoLocator geo;
  geo.Add(*IpNetwork::Parse("0.0.0.0/1"), GeoInfo{AddressClass::kPublic, "JP", "A", 35.0, 139.0});
  geo.Add(*IpNetwork::Parse("128.0.0.0/1"),
          GeoInfo{AddressClass::kPublic, "US", "B", 37.0, -122.0});
  Analysis analysis = PrepareAnalysis(input, zone, geo, AllowList(), "JP");
  UserDayMatrix matrix = BuildUserDayMatrix(analysis);
  RunDetectors(analysis, matrix, DetectorConfig(), true);
  std::ostringstream sink;
  WriteSessionsCsv(sink, analysis);
  WriteAttemptsCsv(sink, input);
  WriteFindingsJsonLines(sink, analysis);
  ReportContext context{&analysis, &matrix, {}, {}, 0, std::nullopt};
  WriteHtmlReport(sink, context);
  return 0;
}

}  // namespace netwarden::audit
