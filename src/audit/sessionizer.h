#pragma once
// Joins the events of one file into sessions and login attempts. Vendors spread a session over
// several lines tied by a key (F5 session id, ASA group|user|ip, FortiGate tunnel id, ...):
// facts are merged under that key until the session ends or the file does.

#include <climits>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/event.h"
#include "audit/string_pool.h"

namespace netwarden::audit {

class Sessionizer {
 public:
  // The sessions' and attempts' strings are interned in `strings`.
  Sessionizer(LogFormat format, uint32_t file_index, std::vector<Session>& sessions,
              std::vector<LoginAttempt>& attempts, StringPool& strings)
      : format_(format),
        file_index_(file_index),
        sessions_(sessions),
        attempts_(attempts),
        strings_(strings) {}

  void Add(Event& event, uint64_t line);
  // Hints that `event` comes soon, in two steps a few lines apart: PrefetchEntry starts loading
  // its key's table entry into the cache (returns the key's hash, 0 for no key), PrefetchSession
  // reads that entry, by then cached, and starts loading the open session it points to. They
  // change nothing.
  uint64_t PrefetchEntry(const Event& event) const;
  void PrefetchSession(uint64_t hash) const;
  // Emits sessions still open at the end of the input, with an unknown end.
  void Finish();

 private:
  struct Pending {
    std::string key;
    Session session;
    bool started = false;
    bool opened = false;  // a start with Event::opens_session was merged
    // A successful authentication of a session that has not (yet) started: reported as a login
    // attempt only if the session never starts (a session start is itself the success).
    bool authenticated = false;
    int64_t authenticated_time = 0;
    uint64_t authenticated_line = 0;
    int64_t last_time = 0;
  };

  void AddAttempt(const Session& facts, int64_t time, bool success, uint64_t line,
                  std::string_view reason = {});
  Session FromEvent(const Event& event, Evidence evidence);
  // A pending session leaves the map: emitted when it started, else its authentication (if any)
  // is kept as a login attempt.
  void Close(Pending& pending);
  void Merge(Pending& pending, Event& event);
  // Bounds memory on endless inputs: sessions that never completed are dropped (or, if they
  // did start, emitted with an unknown end) once their key has been quiet for a long time.
  void Sweep(int64_t now);

  // The open sessions: an open-addressing table (linear probing, deletion by backward shift) of
  // small entries pointing into a vector of reused slots. A lookup touches one 16-byte entry and
  // a slot, not a bucket array and a scattered 300-byte node: this is the audit's hottest map.
  struct Entry {
    uint64_t hash = 0;
    uint32_t slot = kNoSlot;
  };
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  uint32_t FindOrInsert(std::string_view key, bool& inserted);
  void Erase(uint32_t slot);
  void Grow();

  LogFormat format_;
  uint32_t file_index_;
  std::vector<Session>& sessions_;
  std::vector<LoginAttempt>& attempts_;
  StringPool& strings_;
  std::vector<Entry> table_;
  std::vector<Pending> slots_;
  std::vector<uint32_t> free_slots_;
  size_t open_count_ = 0;
  uint64_t events_since_sweep_ = 0;
};

}  // namespace netwarden::audit
