// The history database across releases: a file written with the first schema (no bytes, no
// failure reasons) is opened by this release, keeps its rows, gains the columns, and from then on
// stores and returns bytes and reasons.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "audit/history_db.h"

namespace netwarden::audit {
namespace {

namespace fs = std::filesystem;

// The schema as the first release wrote it (issue 4), with one row in each table.
constexpr const char* kFirstReleaseDatabase = R"SQL(
CREATE TABLE files(
  id INTEGER PRIMARY KEY, path TEXT NOT NULL, fingerprint TEXT UNIQUE, format TEXT,
  lines INTEGER, unparsed INTEGER, ingested_at INTEGER);
CREATE TABLE sessions(
  id INTEGER PRIMARY KEY, user TEXT NOT NULL, start INTEGER NOT NULL, end_time INTEGER,
  source TEXT NOT NULL, tunnel TEXT NOT NULL, session_id TEXT NOT NULL, client TEXT NOT NULL,
  vendor_country TEXT NOT NULL, format TEXT NOT NULL, file_id INTEGER, line INTEGER,
  UNIQUE(user, start, source, format, session_id));
CREATE TABLE attempts(
  id INTEGER PRIMARY KEY, time INTEGER NOT NULL, user TEXT NOT NULL, source TEXT NOT NULL,
  success INTEGER NOT NULL, file_id INTEGER, line INTEGER,
  UNIQUE(time, user, source, success, line));
CREATE INDEX sessions_by_start ON sessions(start);
CREATE INDEX attempts_by_time ON attempts(time);
INSERT INTO files VALUES(1, 'old.log', '10:abc', 'asa', 10, 0, 1700000000);
INSERT INTO sessions VALUES(1, 'olduser', 1709510400, 1709514000, '133.11.0.1', '', '', '', '',
  'asa', 1, 3);
INSERT INTO attempts VALUES(1, 1709510000, 'olduser', '36.110.0.1', 0, 1, 2);
)SQL";

fs::path TempDatabase(const char* name) {
  fs::path path =
      fs::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()) + ".db");
  fs::remove(path);
  return path;
}

void WriteFirstReleaseDatabase(const fs::path& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, kFirstReleaseDatabase, nullptr, nullptr, &message), SQLITE_OK)
      << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

TEST(AuditHistoryMigration, OldFileKeepsItsRowsAndGainsBytesAndReasons) {
  fs::path path = TempDatabase("netwarden-history-migration");
  WriteFirstReleaseDatabase(path);
  auto zone = TimeZone::Load("Asia/Tokyo");
  ASSERT_TRUE(zone.ok());
  {
    auto history = HistoryDb::Open(path.string());
    ASSERT_TRUE(history.ok()) << history.error().message;
    auto old_rows = (*history)->Load(*zone, std::nullopt, std::nullopt);
    ASSERT_TRUE(old_rows.ok());
    ASSERT_EQ(old_rows->sessions.size(), 1u);
    EXPECT_EQ(old_rows->sessions[0].user, "olduser");
    EXPECT_EQ(old_rows->sessions[0].bytes_in, 0u);  // not logged, as before
    ASSERT_EQ(old_rows->attempts.size(), 1u);
    EXPECT_EQ(old_rows->attempts[0].reason, "");

    AuditInput input;
    FileSummary file;
    file.path = "new.log";
    file.format = LogFormat::kCiscoAsa;
    input.files.push_back(file);
    Session session;
    session.user = input.strings->Intern("newuser");
    session.source = *IpAddress::Parse("8.8.8.8");
    session.start = 1709600000;
    session.end = 1709603000;
    session.format = LogFormat::kCiscoAsa;
    session.bytes_in = 12345;
    session.bytes_out = 678;
    session.evidence = {0, 7};
    input.sessions.push_back(session);
    input.attempts.push_back(LoginAttempt{1709599000,
                                          input.strings->Intern("newuser"),
                                          *IpAddress::Parse("8.8.8.8"),
                                          false,
                                          {0, 5},
                                          input.strings->Intern("account locked out")});
    auto stored = (*history)->Store(input, {"20:def"});
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    EXPECT_EQ(stored->sessions_added, 1u);
    EXPECT_EQ(stored->attempts_added, 1u);
  }
  // Opened again (already migrated: nothing to add), everything is there.
  auto history = HistoryDb::Open(path.string());
  ASSERT_TRUE(history.ok()) << history.error().message;
  auto all = (*history)->Load(*zone, std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->sessions.size(), 2u);
  EXPECT_EQ(all->sessions[0].user, "newuser");
  EXPECT_EQ(all->sessions[0].bytes_in, 12345u);
  EXPECT_EQ(all->sessions[0].bytes_out, 678u);
  EXPECT_EQ(all->sessions[1].user, "olduser");
  EXPECT_EQ(*all->sessions[1].end - all->sessions[1].start, 3600);
  ASSERT_EQ(all->attempts.size(), 2u);
  EXPECT_EQ(all->attempts[0].user, "olduser");
  EXPECT_EQ(all->attempts[0].reason, "");
  EXPECT_EQ(all->attempts[1].reason, "account locked out");
  fs::remove(path);
}

}  // namespace
}  // namespace netwarden::audit
