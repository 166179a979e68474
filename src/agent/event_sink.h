#pragma once
// Structured events: one JSON object per line in a file, and the same text to syslog (which the
// journal collects). Blocked-packet events are rate-limited; what was dropped is counted and
// reported in the next event that gets through.

#include <chrono>
#include <cstdio>
#include <functional>
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
  // A packet event ("blocked", "threat", "would-block"): the rate limit is checked before
  // `enrich` runs, so the costly part happens only for events that are written.
  void EmitPacket(const std::string& kind, nlohmann::json packet,
                  const std::function<void(nlohmann::json&)>& enrich);

  uint64_t emitted() const { return emitted_; }
  uint64_t suppressed() const { return suppressed_total_; }

 private:
  static bool IsPacketKind(const std::string& kind);
  bool TakeToken();
  bool AdmitPacket();
  void Write(const std::string& kind, nlohmann::json fields);

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
