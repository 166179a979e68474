#pragma once
// --db: parsed sessions and login attempts kept in SQLite, so that years of logs can be ingested
// incrementally and analysed over any period. Idempotent twice over: a file whose fingerprint is
// known is not parsed again, and rows carry natural keys, so a re-read (a grown or renamed log)
// adds only what is new.

#include <memory>
#include <optional>
#include <string>

#include "audit/ingest.h"
#include "audit/time_zone.h"
#include "core/result.h"

struct sqlite3;

namespace netwarden::audit {

struct StoreStats {
  size_t sessions_added = 0;
  size_t attempts_added = 0;
};

// Size plus a hash of the first MiB: cheap, and enough to recognise the same file again.
std::string FileFingerprint(const std::string& path);

class HistoryDb {
 public:
  static Result<std::unique_ptr<HistoryDb>> Open(const std::string& path);
  ~HistoryDb();
  HistoryDb(const HistoryDb&) = delete;
  HistoryDb& operator=(const HistoryDb&) = delete;

  Result<bool> KnowsFile(const std::string& fingerprint);
  // Stores `input`'s files (with their fingerprints, parallel to input.files; empty: none),
  // sessions and attempts.
  Result<StoreStats> Store(const AuditInput& input, const std::vector<std::string>& fingerprints);
  // What is recorded for local days [from_day, to_day] (unset: open-ended), sorted.
  Result<AuditInput> Load(const TimeZone& zone, std::optional<int64_t> from_day,
                          std::optional<int64_t> to_day);

 private:
  explicit HistoryDb(sqlite3* db) : db_(db) {}
  Result<void> Execute(const char* sql);
  // Adds the columns a database file from an older release lacks.
  Result<void> Migrate();

  sqlite3* db_;
};

}  // namespace netwarden::audit
