#include "audit/ingest.h"

#include <algorithm>

#include "audit/line_reader.h"
#include "audit/parsers/parser.h"
#include "audit/sessionizer.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

constexpr size_t kDetectionLines = 200;
constexpr size_t kExampleLength = 300;

void ParseLine(std::string_view line, uint64_t number, LineParser& parser, TimeResolver& time,
               Sessionizer& sessionizer, FileSummary& summary, size_t max_examples) {
  ++summary.lines;
  if (Trim(line).empty()) {
    ++summary.ignored;
    return;
  }
  Event event;
  switch (parser.Parse(line, time, event)) {
    case LineOutcome::kEvent:
      ++summary.events;
      sessionizer.Add(event, number);
      break;
    case LineOutcome::kIgnored:
      ++summary.ignored;
      break;
    case LineOutcome::kUnparsed:
      ++summary.unparsed;
      if (summary.unparsed_examples.size() < max_examples) {
        summary.unparsed_examples.emplace_back(number, std::string(line.substr(0, kExampleLength)));
      }
      break;
  }
}

}  // namespace

void IngestFile(const std::string& path, const TimeZone& zone, const IngestOptions& options,
                AuditInput& input) {
  auto file_index = static_cast<uint32_t>(input.files.size());
  input.files.push_back(FileSummary{path, options.format, {}, 0, 0, 0, 0, {}});
  auto reader = LineReader::Open(path);
  if (!reader) {
    input.files.back().error = reader.error().message;
    return;
  }
  // Detection needs the first lines before parsing starts, so they are kept and replayed.
  std::vector<std::string> head;
  std::string_view line;
  while (head.size() < kDetectionLines && (*reader)->Next(line)) head.emplace_back(line);
  FileSummary& summary = input.files.back();
  if (!summary.format) {
    std::vector<std::string> sample;
    for (const auto& text : head) {
      if (!Trim(text).empty()) sample.push_back(text);
    }
    summary.format = DetectFormat(sample, zone);
  }
  if (!summary.format) {
    summary.error = "format not recognised (try --format)";
    summary.lines = head.size();
    summary.unparsed = head.size();
    while ((*reader)->Next(line)) ++summary.lines, ++summary.unparsed;
    for (size_t i = 0; i < head.size() && summary.unparsed_examples.size() < options.max_examples;
         ++i) {
      summary.unparsed_examples.emplace_back(i + 1, head[i].substr(0, kExampleLength));
    }
    return;
  }
  auto parser = MakeParser(*summary.format);
  TimeResolver time(zone, options.year, options.now);
  Sessionizer sessionizer(*summary.format, file_index, input.sessions, input.attempts);
  uint64_t number = 0;
  for (const auto& text : head) {
    ParseLine(text, ++number, *parser, time, sessionizer, summary, options.max_examples);
  }
  while ((*reader)->Next(line)) {
    ParseLine(line, ++number, *parser, time, sessionizer, summary, options.max_examples);
  }
  if (!(*reader)->error().empty()) summary.error = "read error: " + (*reader)->error();
  sessionizer.Finish();
}

void SortInput(AuditInput& input) {
  // The orders are total (evidence is unique), so the cheaper unstable sort is deterministic.
  std::sort(input.sessions.begin(), input.sessions.end(), [](const Session& a, const Session& b) {
    if (int order = a.user.compare(b.user); order != 0) return order < 0;
    if (a.start != b.start) return a.start < b.start;
    if (a.evidence.file != b.evidence.file) return a.evidence.file < b.evidence.file;
    return a.evidence.line < b.evidence.line;
  });
  std::sort(input.attempts.begin(), input.attempts.end(),
            [](const LoginAttempt& a, const LoginAttempt& b) {
              if (a.time != b.time) return a.time < b.time;
              if (a.evidence.file != b.evidence.file) return a.evidence.file < b.evidence.file;
              return a.evidence.line < b.evidence.line;
            });
}

}  // namespace netwarden::audit
