#include "audit/sessionizer.h"

#include <algorithm>
#include <functional>

namespace netwarden::audit {

namespace {

constexpr int64_t kQuietSeconds = 2 * 86400;
constexpr uint64_t kSweepEvery = 1'000'000;

}  // namespace

Session Sessionizer::FromEvent(const Event& event, Evidence evidence) {
  Session session;
  session.user = strings_.Keep(event.user);
  session.source = event.source;
  session.tunnel = event.tunnel;
  session.start = event.time;
  session.session_id = strings_.Keep(event.session_id);
  session.client = strings_.Intern(event.client);
  session.vendor_country = strings_.Intern(event.vendor_country);
  session.format = format_;
  session.evidence = evidence;
  return session;
}

void Sessionizer::AddAttempt(const Session& facts, int64_t time, bool success, uint64_t line,
                             std::string_view reason) {
  attempts_.push_back(LoginAttempt{
      time, facts.user, facts.source, success, {file_index_, line}, strings_.Intern(reason)});
}

void Sessionizer::Close(Pending& pending) {
  if (pending.started) {
    sessions_.push_back(pending.session);
  } else if (pending.authenticated) {
    AddAttempt(pending.session, pending.authenticated_time, true, pending.authenticated_line);
  }
}

void Sessionizer::Merge(Pending& pending, Event& event) {
  Session& session = pending.session;
  // The first value logged wins: later lines repeat it or, for OpenVPN, carry the certificate
  // name where the earlier line had the login name.
  // Kept, not interned: one lookup per session in a table of every user would miss the cache
  // while the input streams through it; SortInput groups the names later in one pass.
  if (session.user.empty()) session.user = strings_.Keep(event.user);
  if (!session.source) session.source = event.source;
  if (!session.tunnel) session.tunnel = event.tunnel;
  if (session.client.empty()) session.client = strings_.Intern(event.client);
  if (session.vendor_country.empty())
    session.vendor_country = strings_.Intern(event.vendor_country);
  if (session.session_id.empty()) session.session_id = strings_.Keep(event.session_id);
  if (event.bytes_in != 0) session.bytes_in = event.bytes_in;
  if (event.bytes_out != 0) session.bytes_out = event.bytes_out;
  pending.last_time = event.time;
}

void Sessionizer::Add(Event& event, uint64_t line) {
  Evidence evidence{file_index_, line};
  if (event.session_key.empty()) {
    switch (event.kind) {
      case EventKind::kSessionStart:
        sessions_.push_back(FromEvent(event, evidence));
        break;
      case EventKind::kLoginSuccess:
      case EventKind::kLoginFailure:
        attempts_.push_back(LoginAttempt{event.time, strings_.Intern(event.user), event.source,
                                         event.kind == EventKind::kLoginSuccess, evidence,
                                         strings_.Intern(event.reason)});
        break;
      case EventKind::kSessionEnd:
        // An end that says how long the session lasted is a whole session by itself.
        if (event.duration >= 0) {
          Session session = FromEvent(event, evidence);
          session.start = event.time - event.duration;
          session.end = event.time;
          session.bytes_in = event.bytes_in;
          session.bytes_out = event.bytes_out;
          sessions_.push_back(std::move(session));
        }
        break;
      case EventKind::kSessionInfo:
      case EventKind::kAdminLoginSuccess:
      case EventKind::kAdminLoginFailure:
        break;
    }
    return;
  }
  if (event.kind == EventKind::kAdminLoginSuccess || event.kind == EventKind::kAdminLoginFailure) {
    return;
  }
  if (++events_since_sweep_ >= kSweepEvery) {
    Sweep(event.time);
    events_since_sweep_ = 0;
  }
  bool inserted = false;
  uint32_t slot = FindOrInsert(event.session_key, inserted);
  Pending& pending = slots_[slot];
  if (!inserted && event.kind == EventKind::kSessionStart && event.opens_session &&
      pending.opened) {
    // Two live sessions on one key: the first is kept with an unknown end, not merged.
    Close(pending);
    std::string key = std::move(pending.key);
    pending = Pending();
    pending.key = std::move(key);
    inserted = true;
  }
  if (inserted) {
    pending.session.format = format_;
    pending.session.start = event.time;
    pending.session.evidence = evidence;
  }
  Merge(pending, event);
  switch (event.kind) {
    case EventKind::kSessionInfo:
      break;
    case EventKind::kSessionStart:
      if (event.opens_session) pending.opened = true;
      if (!pending.started) {
        pending.started = true;
        pending.session.start = event.time;
        pending.session.evidence = evidence;
      }
      break;
    case EventKind::kLoginSuccess:
      if (!pending.started && !pending.authenticated) {
        pending.authenticated = true;
        pending.authenticated_time = event.time;
        pending.authenticated_line = line;
      }
      break;
    case EventKind::kLoginFailure:
      AddAttempt(pending.session, event.time, false, line, event.reason);
      break;
    case EventKind::kSessionEnd:
      if (!pending.started && event.duration >= 0) {
        // The start is before the log begins; the gateway says when it was.
        pending.started = true;
        pending.session.start = event.time - event.duration;
        pending.session.evidence = evidence;
      }
      if (pending.started) pending.session.end = event.time;
      Close(pending);
      Erase(slot);
      break;
    case EventKind::kAdminLoginSuccess:
    case EventKind::kAdminLoginFailure:
      break;
  }
}

uint64_t Sessionizer::PrefetchEntry(const Event& event) const {
  if (event.session_key.empty() || table_.empty()) return 0;
  uint64_t hash = std::hash<std::string_view>{}(event.session_key);
  __builtin_prefetch(&table_[hash & (table_.size() - 1)]);
  return hash;
}

void Sessionizer::PrefetchSession(uint64_t hash) const {
  if (hash == 0 || table_.empty()) return;
  const Entry& entry = table_[hash & (table_.size() - 1)];
  if (entry.slot == kNoSlot || entry.hash != hash || entry.slot >= slots_.size()) return;
  const Pending& pending = slots_[entry.slot];
  __builtin_prefetch(&pending);
  __builtin_prefetch(pending.key.data());
  __builtin_prefetch(reinterpret_cast<const char*>(&pending) + 64);
  __builtin_prefetch(reinterpret_cast<const char*>(&pending) + 128);
}

uint32_t Sessionizer::FindOrInsert(std::string_view key, bool& inserted) {
  if ((open_count_ + 1) * 2 > table_.size()) Grow();
  uint64_t hash = std::hash<std::string_view>{}(key);
  size_t mask = table_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Entry& entry = table_[i];
    if (entry.slot == kNoSlot) {
      uint32_t slot;
      if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
      } else {
        slot = static_cast<uint32_t>(slots_.size());
        slots_.emplace_back();
      }
      slots_[slot].key.assign(key);
      entry = Entry{hash, slot};
      ++open_count_;
      inserted = true;
      return slot;
    }
    if (entry.hash == hash && slots_[entry.slot].key == key) {
      inserted = false;
      return entry.slot;
    }
  }
}

void Sessionizer::Erase(uint32_t slot) {
  uint64_t hash = std::hash<std::string_view>{}(slots_[slot].key);
  size_t mask = table_.size() - 1;
  size_t hole = hash & mask;
  while (table_[hole].slot != slot) hole = (hole + 1) & mask;
  // Backward shift: pull later entries of the probe run into the hole when their home allows.
  for (size_t next = (hole + 1) & mask; table_[next].slot != kNoSlot; next = (next + 1) & mask) {
    size_t home = table_[next].hash & mask;
    bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (!stays) {
      table_[hole] = table_[next];
      hole = next;
    }
  }
  table_[hole] = Entry();
  --open_count_;
  slots_[slot] = Pending();  // frees its strings
  free_slots_.push_back(slot);
}

void Sessionizer::Grow() {
  std::vector<Entry> old = std::move(table_);
  table_.assign(std::max<size_t>(1024, old.size() * 2), Entry());
  size_t mask = table_.size() - 1;
  for (const Entry& entry : old) {
    if (entry.slot == kNoSlot) continue;
    size_t i = entry.hash & mask;
    while (table_[i].slot != kNoSlot) i = (i + 1) & mask;
    table_[i] = entry;
  }
}

void Sessionizer::Sweep(int64_t now) {
  std::vector<uint32_t> quiet;
  for (const Entry& entry : table_) {
    if (entry.slot != kNoSlot && now - slots_[entry.slot].last_time >= kQuietSeconds) {
      quiet.push_back(entry.slot);
    }
  }
  for (uint32_t slot : quiet) {
    Close(slots_[slot]);
    Erase(slot);
  }
}

void Sessionizer::Finish() {
  for (const Entry& entry : table_) {
    if (entry.slot != kNoSlot) Close(slots_[entry.slot]);
  }
  table_.clear();
  slots_.clear();
  free_slots_.clear();
  open_count_ = 0;
}

}  // namespace netwarden::audit
