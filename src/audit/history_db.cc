#include "audit/history_db.h"

#include <sqlite3.h>

#include <algorithm>
#include <fstream>

#include "audit/civil_time.h"
#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS files(
  id INTEGER PRIMARY KEY, path TEXT NOT NULL, fingerprint TEXT UNIQUE, format TEXT,
  lines INTEGER, unparsed INTEGER, ingested_at INTEGER);
CREATE TABLE IF NOT EXISTS sessions(
  id INTEGER PRIMARY KEY, user TEXT NOT NULL, start INTEGER NOT NULL, end_time INTEGER,
  source TEXT NOT NULL, tunnel TEXT NOT NULL, session_id TEXT NOT NULL, client TEXT NOT NULL,
  vendor_country TEXT NOT NULL, format TEXT NOT NULL, file_id INTEGER, line INTEGER,
  bytes_in INTEGER NOT NULL DEFAULT 0, bytes_out INTEGER NOT NULL DEFAULT 0,
  UNIQUE(user, start, source, format, session_id));
CREATE TABLE IF NOT EXISTS attempts(
  id INTEGER PRIMARY KEY, time INTEGER NOT NULL, user TEXT NOT NULL, source TEXT NOT NULL,
  success INTEGER NOT NULL, file_id INTEGER, line INTEGER, reason TEXT NOT NULL DEFAULT '',
  UNIQUE(time, user, source, success, line));
CREATE INDEX IF NOT EXISTS sessions_by_start ON sessions(start);
CREATE INDEX IF NOT EXISTS attempts_by_time ON attempts(time);
)SQL";

// Columns added after the first release of the schema: a database file written before them
// gets them on open (ALTER TABLE ADD COLUMN keeps every row; old rows read as "not logged").
struct AddedColumn {
  const char* table;
  const char* column;
  const char* definition;
};
constexpr AddedColumn kAddedColumns[] = {
    {"sessions", "bytes_in", "INTEGER NOT NULL DEFAULT 0"},
    {"sessions", "bytes_out", "INTEGER NOT NULL DEFAULT 0"},
    {"attempts", "reason", "TEXT NOT NULL DEFAULT ''"},
};

// One prepared statement; finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    ok_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) == SQLITE_OK;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return ok_; }
  Statement& Bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& Bind(int index, std::string_view text) {
    // An empty view may have no data pointer, which SQLite would bind as NULL.
    sqlite3_bind_text(stmt_, index, text.empty() ? "" : text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& BindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
  }
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text ? reinterpret_cast<const char*>(text) : "";
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool ok_ = false;
};

std::string AddressText(const std::optional<IpAddress>& address) {
  return address ? address->ToString() : std::string();
}

Error DbError(sqlite3* db, const std::string& what) {
  return MakeError(ErrorCode::kIo, what + ": " + sqlite3_errmsg(db));
}

}  // namespace

std::string FileFingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  auto size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  std::string head(static_cast<size_t>(std::min<uint64_t>(size, 1 << 20)), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : head) hash = (hash ^ c) * 1099511628211ULL;
  char text[64];
  std::snprintf(text, sizeof(text), "%llu:%016llx", static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(hash));
  return text;
}

Result<std::unique_ptr<HistoryDb>> HistoryDb::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    Error error = DbError(db, "cannot open history database '" + path + "'");
    sqlite3_close(db);
    return error;
  }
  std::unique_ptr<HistoryDb> history(new HistoryDb(db));
  if (auto created = history->Execute(kSchema); !created) return created.error();
  if (auto migrated = history->Migrate(); !migrated) return migrated.error();
  return history;
}

Result<void> HistoryDb::Migrate() {
  for (const AddedColumn& added : kAddedColumns) {
    std::string query = std::string("SELECT 1 FROM pragma_table_info('") + added.table +
                        "') WHERE name = '" + added.column + "'";
    Statement exists(db_, query.c_str());
    if (!exists.ok()) return DbError(db_, "history database");
    if (exists.Step() == SQLITE_ROW) continue;
    std::string alter = std::string("ALTER TABLE ") + added.table + " ADD COLUMN " + added.column +
                        " " + added.definition;
    if (auto altered = Execute(alter.c_str()); !altered) return altered.error();
  }
  return Ok();
}

HistoryDb::~HistoryDb() { sqlite3_close(db_); }

Result<void> HistoryDb::Execute(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return MakeError(ErrorCode::kIo, std::string("history database: ") + text);
  }
  return Ok();
}

Result<bool> HistoryDb::KnowsFile(const std::string& fingerprint) {
  Statement query(db_, "SELECT 1 FROM files WHERE fingerprint = ?");
  if (!query.ok()) return DbError(db_, "history database");
  query.Bind(1, fingerprint);
  return query.Step() == SQLITE_ROW;
}

Result<StoreStats> HistoryDb::Store(const AuditInput& input,
                                    const std::vector<std::string>& fingerprints) {
  if (auto begun = Execute("BEGIN"); !begun) return begun.error();
  Statement file(db_,
                 "INSERT OR IGNORE INTO files(path, fingerprint, format, lines, unparsed, "
                 "ingested_at) VALUES(?, ?, ?, ?, ?, strftime('%s','now'))");
  Statement session(db_,
                    "INSERT OR IGNORE INTO sessions(user, start, end_time, source, tunnel, "
                    "session_id, client, vendor_country, format, file_id, line, bytes_in, "
                    "bytes_out) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
  Statement attempt(db_,
                    "INSERT OR IGNORE INTO attempts(time, user, source, success, file_id, line, "
                    "reason) VALUES(?,?,?,?,?,?,?)");
  if (!file.ok() || !session.ok() || !attempt.ok()) {
    Result<void> rolled_back = Execute("ROLLBACK");
    return DbError(db_, "history database");
  }
  std::vector<int64_t> file_ids;
  for (size_t i = 0; i < input.files.size(); ++i) {
    const FileSummary& summary = input.files[i];
    file.Bind(1, summary.path);
    if (i < fingerprints.size() && !fingerprints[i].empty()) {
      file.Bind(2, fingerprints[i]);
    } else {
      file.BindNull(2);  // standard input: no identity, rows still deduplicate
    }
    file.Bind(3, summary.format ? LogFormatName(*summary.format) : "unknown");
    file.Bind(4, static_cast<int64_t>(summary.lines))
        .Bind(5, static_cast<int64_t>(summary.unparsed));
    file.Step();
    file.Reset();
    file_ids.push_back(sqlite3_last_insert_rowid(db_));
  }
  StoreStats stats;
  for (const auto& s : input.sessions) {
    session.Bind(1, s.user).Bind(2, s.start);
    if (s.end)
      session.Bind(3, *s.end);
    else
      session.BindNull(3);
    session.Bind(4, AddressText(s.source)).Bind(5, AddressText(s.tunnel)).Bind(6, s.session_id);
    session.Bind(7, s.client).Bind(8, s.vendor_country).Bind(9, LogFormatName(s.format));
    session.Bind(10, file_ids.at(s.evidence.file)).Bind(11, static_cast<int64_t>(s.evidence.line));
    session.Bind(12, static_cast<int64_t>(s.bytes_in)).Bind(13, static_cast<int64_t>(s.bytes_out));
    if (session.Step() == SQLITE_DONE && sqlite3_changes(db_) > 0) ++stats.sessions_added;
    session.Reset();
  }
  for (const auto& a : input.attempts) {
    attempt.Bind(1, a.time)
        .Bind(2, a.user)
        .Bind(3, AddressText(a.source))
        .Bind(4, a.success ? 1 : 0);
    attempt.Bind(5, file_ids.at(a.evidence.file)).Bind(6, static_cast<int64_t>(a.evidence.line));
    attempt.Bind(7, a.reason);
    if (attempt.Step() == SQLITE_DONE && sqlite3_changes(db_) > 0) ++stats.attempts_added;
    attempt.Reset();
  }
  if (auto committed = Execute("COMMIT"); !committed) return committed.error();
  return stats;
}

Result<AuditInput> HistoryDb::Load(const TimeZone& zone, std::optional<int64_t> from_day,
                                   std::optional<int64_t> to_day) {
  auto boundary = [&](int64_t day) {
    CivilTime civil = CivilFromUnix(day * 86400);
    return zone.ToUtc(civil);
  };
  int64_t from = from_day ? boundary(*from_day) : INT64_MIN;
  int64_t to = to_day ? boundary(*to_day + 1) : INT64_MAX;
  AuditInput input;
  std::unordered_map<int64_t, uint32_t> file_index;
  Statement files(db_, "SELECT id, path, format, lines, unparsed FROM files ORDER BY id");
  if (!files.ok()) return DbError(db_, "history database");
  while (files.Step() == SQLITE_ROW) {
    file_index[files.Int(0)] = static_cast<uint32_t>(input.files.size());
    FileSummary summary;
    summary.path = files.Text(1);
    summary.format = LogFormatFromName(files.Text(2));
    summary.lines = static_cast<uint64_t>(files.Int(3));
    summary.unparsed = static_cast<uint64_t>(files.Int(4));
    input.files.push_back(std::move(summary));
  }
  auto evidence = [&](int64_t file_id, int64_t line) {
    auto found = file_index.find(file_id);
    return Evidence{found == file_index.end() ? 0u : found->second, static_cast<uint64_t>(line)};
  };
  Statement sessions(db_,
                     "SELECT user, start, end_time, source, tunnel, session_id, client, "
                     "vendor_country, format, file_id, line, bytes_in, bytes_out FROM sessions "
                     "WHERE start >= ? AND start < ?");
  if (!sessions.ok()) return DbError(db_, "history database");
  sessions.Bind(1, from).Bind(2, to);
  while (sessions.Step() == SQLITE_ROW) {
    Session s;
    StringPool& strings = *input.strings;
    s.user = strings.Intern(sessions.Text(0));
    s.start = sessions.Int(1);
    if (!sessions.IsNull(2)) s.end = sessions.Int(2);
    s.source = ParseAddress(sessions.Text(3));
    s.tunnel = ParseAddress(sessions.Text(4));
    s.session_id = strings.Keep(sessions.Text(5));
    s.client = strings.Intern(sessions.Text(6));
    s.vendor_country = strings.Intern(sessions.Text(7));
    s.format = LogFormatFromName(sessions.Text(8)).value_or(LogFormat::kF5Apm);
    s.evidence = evidence(sessions.Int(9), sessions.Int(10));
    s.bytes_in = static_cast<uint64_t>(std::max<int64_t>(0, sessions.Int(11)));
    s.bytes_out = static_cast<uint64_t>(std::max<int64_t>(0, sessions.Int(12)));
    input.sessions.push_back(std::move(s));
  }
  Statement attempts(db_,
                     "SELECT time, user, source, success, file_id, line, reason FROM attempts "
                     "WHERE time >= ? AND time < ?");
  if (!attempts.ok()) return DbError(db_, "history database");
  attempts.Bind(1, from).Bind(2, to);
  while (attempts.Step() == SQLITE_ROW) {
    input.attempts.push_back(LoginAttempt{attempts.Int(0), input.strings->Intern(attempts.Text(1)),
                                          ParseAddress(attempts.Text(2)), attempts.Int(3) != 0,
                                          evidence(attempts.Int(4), attempts.Int(5)),
                                          input.strings->Intern(attempts.Text(6))});
  }
  SortInput(input);
  return input;
}

}  // namespace netwarden::audit
