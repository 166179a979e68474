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

void CountUnparsedId(FileSummary& summary, std::string_view id) {
  id = id.substr(0, 64);
  auto found = summary.unparsed_ids.find(id);
  if (found != summary.unparsed_ids.end()) {
    ++found->second;
  } else if (summary.unparsed_ids.size() < kMaxUnparsedIds) {
    // Ids come from the log: printable ASCII only, so a terminal or page shows them as they are.
    std::string printable(id);
    for (char& c : printable) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    }
    summary.unparsed_ids.emplace(std::move(printable), 1);
  } else {
    ++summary.unparsed_ids["(other)"];
  }
}

void ParseLine(std::string_view line, uint64_t number, LineParser& parser, TimeResolver& time,
               Sessionizer& sessionizer, FileSummary& summary, size_t max_examples, Event& event) {
  ++summary.lines;
  if (Trim(line).empty()) {
    ++summary.ignored;
    return;
  }
  event.Clear();
  switch (parser.Parse(line, time, event)) {
    case LineOutcome::kEvent:
      ++summary.events;
      if (event.kind == EventKind::kAdminLoginSuccess) {
        ++summary.admin_logins;
      } else if (event.kind == EventKind::kAdminLoginFailure) {
        ++summary.admin_failures;
      } else {
        sessionizer.Add(event, number);
      }
      break;
    case LineOutcome::kIgnored:
      ++summary.ignored;
      break;
    case LineOutcome::kUnparsed:
      ++summary.unparsed;
      if (!event.message_id.empty()) CountUnparsedId(summary, event.message_id);
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
  input.files.push_back(FileSummary{path, options.format, {}, 0, 0, 0, 0, {}, {}, 0, 0});
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
  Event event;
  for (const auto& text : head) {
    ParseLine(text, ++number, *parser, time, sessionizer, summary, options.max_examples, event);
  }
  while ((*reader)->Next(line)) {
    ParseLine(line, ++number, *parser, time, sessionizer, summary, options.max_examples, event);
  }
  if (!(*reader)->error().empty()) summary.error = "read error: " + (*reader)->error();
  sessionizer.Finish();
}

std::string UnparsedIdSummary(const FileSummary& file, size_t shown) {
  std::vector<std::pair<std::string_view, uint64_t>> ids(file.unparsed_ids.begin(),
                                                         file.unparsed_ids.end());
  std::stable_sort(ids.begin(), ids.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string text;
  for (size_t i = 0; i < ids.size() && i < shown; ++i) {
    if (!text.empty()) text += ", ";
    text.append(ids[i].first).append(" x").append(std::to_string(ids[i].second));
  }
  if (ids.size() > shown) text += ", ... (" + std::to_string(ids.size() - shown) + " more ids)";
  return text;
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
