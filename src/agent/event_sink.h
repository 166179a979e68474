#pragma once
// Structured events: one JSON object per line in a file, and the same text to syslog (which the
// journal collects). Blocked-packet events are rate-limited; what was dropped is counted and
// reported in the next event that gets through.

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace netwarden::agent {

class EventSink {
 public:
  // `path` empty: no file. `use_syslog`: also to syslog.
  EventSink(const std::string& path, bool use_syslog, double packets_per_second = 50,
            double burst = 200);
  ~EventSink();

  // kind: "blocked", "threat", "threat-feed", "state", "route-overlap", "portal", "reload",
  // "probe", "resolve", "error". Packet events ("blocked", "threat") are rate-limited.
  void Emit(const std::string& kind, nlohmann::json fields);

  uint64_t emitted() const { return emitted_; }
  uint64_t suppressed() const { return suppressed_total_; }

 private:
  bool TakeToken();

  FILE* file_ = nullptr;
  bool syslog_ = false;
  double rate_;
  double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point last_refill_;
  uint64_t suppressed_pending_ = 0;
  uint64_t suppressed_total_ = 0;
  uint64_t emitted_ = 0;
};

std::string NowIso8601();

}  // namespace netwarden::agent
