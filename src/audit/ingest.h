#pragma once
// Reads log files into sessions and login attempts: opens (plain, .gz, stdin), detects the
// format from the first lines, parses, sessionizes and counts what could not be parsed.
// A bad line or an unreadable file is recorded in its FileSummary; it never stops the run.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "audit/event.h"
#include "audit/string_pool.h"
#include "audit/time_zone.h"

namespace netwarden::audit {

struct FileSummary {
  std::string path;
  std::optional<LogFormat> format;
  std::string error;  // why the file was not (fully) read; empty when it was
  uint64_t lines = 0;
  uint64_t events = 0;
  uint64_t ignored = 0;
  uint64_t unparsed = 0;
  std::vector<std::pair<uint64_t, std::string>> unparsed_examples;  // line number, text
  // Unparsed lines that carry a vendor message id / event name, per id: a gap in a parser shows
  // on a customer's log at once. At most kMaxUnparsedIds ids are told apart.
  std::map<std::string, uint64_t, std::less<>> unparsed_ids;
  uint64_t admin_logins = 0;  // the gateway's management logins, kept out of the VPN sessions
  uint64_t admin_failures = 0;
};

constexpr size_t kMaxUnparsedIds = 200;

// "113006 x3, 716040 x1": the unparsed message ids, most frequent first, at most `shown`.
std::string UnparsedIdSummary(const FileSummary& file, size_t shown = 20);

struct AuditInput {
  std::vector<FileSummary> files;
  std::vector<Session> sessions;
  std::vector<LoginAttempt> attempts;
  // Owns the text the sessions and attempts point to; shared by copies of the input.
  std::shared_ptr<StringPool> strings = std::make_shared<StringPool>();
};

struct IngestOptions {
  std::optional<LogFormat> format;  // --format; otherwise detected per file
  std::optional<int> year;
  int64_t now = 0;  // for the year of year-less headers
  size_t max_examples = 3;
};

void IngestFile(const std::string& path, const TimeZone& zone, const IngestOptions& options,
                AuditInput& input);

// Sessions by user then start; attempts by time. Detectors rely on this order.
void SortInput(AuditInput& input);

}  // namespace netwarden::audit
