#include "audit/ingest.h"

#include <algorithm>
#include <bit>
#include <functional>

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

// Parses one line into `event`; true when the event is for the sessionizer.
bool ParseLine(std::string_view line, uint64_t number, LineParser& parser, TimeResolver& time,
               FileSummary& summary, size_t max_examples, Event& event) {
  ++summary.lines;
  if (Trim(line).empty()) {
    ++summary.ignored;
    return false;
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
        return true;
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
  return false;
}

// Parsing runs a few lines ahead of the sessionizer: the open-session table is larger than the
// cache once a long input has streamed through it, so each event's table entry is fetched while
// the next lines are parsed (Sessionizer::Prefetch), and the lookup then finds it in the cache.
// Events are handed over in line order, so the result is the same as without the lookahead.
class LookaheadIngest {
 public:
  LookaheadIngest(LineParser& parser, TimeResolver& time, Sessionizer& sessionizer,
                  FileSummary& summary, size_t max_examples)
      : parser_(parser),
        time_(time),
        sessionizer_(sessionizer),
        summary_(summary),
        max_examples_(max_examples) {}

  void Line(std::string_view line, uint64_t number) {
    Pending& slot = ring_[next_ % kDepth];
    if (slot.ready) sessionizer_.Add(slot.event, slot.line);  // kDepth lines ago
    slot.ready = ParseLine(line, number, parser_, time_, summary_, max_examples_, slot.event);
    slot.line = number;
    slot.hash = slot.ready ? sessionizer_.PrefetchEntry(slot.event) : 0;
    const Pending& halfway = ring_[(next_ + kDepth / 2) % kDepth];
    if (halfway.ready) sessionizer_.PrefetchSession(halfway.hash);
    ++next_;
  }

  void Flush() {
    for (size_t k = 0; k < kDepth; ++k) {
      Pending& slot = ring_[next_ % kDepth];
      if (slot.ready) sessionizer_.Add(slot.event, slot.line);
      slot.ready = false;
      ++next_;
    }
  }

 private:
  static constexpr size_t kDepth = 6;
  struct Pending {
    Event event;  // reused: its strings keep their buffers
    uint64_t line = 0;
    uint64_t hash = 0;
    bool ready = false;
  };
  LineParser& parser_;
  TimeResolver& time_;
  Sessionizer& sessionizer_;
  FileSummary& summary_;
  size_t max_examples_;
  Pending ring_[kDepth];
  size_t next_ = 0;
};

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
  Sessionizer sessionizer(*summary.format, file_index, input.sessions, input.attempts,
                          *input.strings);
  uint64_t number = 0;
  LookaheadIngest ingest(*parser, time, sessionizer, summary, options.max_examples);
  for (const auto& text : head) ingest.Line(text, ++number);
  while ((*reader)->Next(line)) ingest.Line(line, ++number);
  ingest.Flush();
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

namespace {

// Dense ids for the distinct user names of `sessions`, numbered in name order: sorting a million
// sessions then compares integers, not names.
std::vector<uint32_t> UserRanks(const std::vector<Session>& sessions, size_t& distinct) {
  struct Slot {
    std::string_view user;
    uint32_t id = UINT32_MAX;
  };
  // Sized by the distinct names, not the sessions, so that it stays in the cache.
  std::vector<Slot> table(1024);
  std::vector<std::string_view> names;
  std::vector<uint32_t> ids(sessions.size());
  std::string_view previous;
  uint32_t previous_id = UINT32_MAX;
  for (size_t i = 0; i < sessions.size(); ++i) {
    std::string_view user = sessions[i].user;
    if (previous_id != UINT32_MAX && user == previous) {
      ids[i] = previous_id;
      continue;
    }
    if ((names.size() + 1) * 2 > table.size()) {
      std::vector<Slot> grown(table.size() * 2);
      for (const Slot& slot : table) {
        if (slot.id == UINT32_MAX) continue;
        size_t at = std::hash<std::string_view>{}(slot.user) & (grown.size() - 1);
        while (grown[at].id != UINT32_MAX) at = (at + 1) & (grown.size() - 1);
        grown[at] = slot;
      }
      table = std::move(grown);
    }
    size_t mask = table.size() - 1;
    size_t at = std::hash<std::string_view>{}(user)&mask;
    while (table[at].id != UINT32_MAX && table[at].user != user) at = (at + 1) & mask;
    if (table[at].id == UINT32_MAX) {
      table[at] = Slot{user, static_cast<uint32_t>(names.size())};
      names.push_back(user);
    }
    ids[i] = previous_id = table[at].id;
    previous = user;
  }
  std::vector<uint32_t> order(names.size());
  for (uint32_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return names[a] < names[b]; });
  std::vector<uint32_t> rank(names.size());
  for (uint32_t k = 0; k < order.size(); ++k) rank[order[k]] = k;
  for (uint32_t& id : ids) id = rank[id];
  distinct = names.size();
  return ids;
}

}  // namespace

void SortInput(AuditInput& input) {
  // Sessions: a counting sort by user (one pass, each record moved once), then each user's few
  // sessions by start. The orders are total (evidence is unique), so unstable sorts are
  // deterministic.
  std::vector<Session>& sessions = input.sessions;
  size_t users = 0;
  std::vector<uint32_t> ranks = UserRanks(sessions, users);
  std::vector<size_t> offsets(users + 1, 0);
  for (uint32_t rank : ranks) ++offsets[rank + 1];
  for (size_t k = 1; k < offsets.size(); ++k) offsets[k] += offsets[k - 1];
  std::vector<Session> sorted(sessions.size());
  {
    std::vector<size_t> next(offsets.begin(), offsets.end() - 1);
    for (size_t i = 0; i < sessions.size(); ++i) sorted[next[ranks[i]]++] = sessions[i];
  }
  auto by_start = [](const Session& a, const Session& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.evidence.file != b.evidence.file) return a.evidence.file < b.evidence.file;
    return a.evidence.line < b.evidence.line;
  };
  for (size_t k = 0; k + 1 < offsets.size(); ++k) {
    auto first = sorted.begin() + static_cast<std::ptrdiff_t>(offsets[k]);
    auto last = sorted.begin() + static_cast<std::ptrdiff_t>(offsets[k + 1]);
    if (!std::is_sorted(first, last, by_start)) std::sort(first, last, by_start);
  }
  sessions = std::move(sorted);
  std::sort(input.attempts.begin(), input.attempts.end(),
            [](const LoginAttempt& a, const LoginAttempt& b) {
              if (a.time != b.time) return a.time < b.time;
              if (a.evidence.file != b.evidence.file) return a.evidence.file < b.evidence.file;
              return a.evidence.line < b.evidence.line;
            });
}

}  // namespace netwarden::audit
