#include "agent/event_sink.h"

#include <syslog.h>

#include <ctime>
#include <filesystem>

namespace netwarden::agent {

std::string NowIso8601() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  char text[64];
  const size_t length = strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  snprintf(text + length, sizeof(text) - length, ".%03ldZ", now.tv_nsec / 1000000);
  return text;
}

EventSink::EventSink(const std::string& path, bool use_syslog, double packets_per_second,
                     double burst)
    : syslog_(use_syslog),
      rate_(packets_per_second),
      burst_(burst),
      tokens_(burst),
      last_refill_(std::chrono::steady_clock::now()) {
  if (!path.empty()) {
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
    file_ = fopen(path.c_str(), "ae");
  }
  if (syslog_) openlog("netwarden", LOG_PID, LOG_DAEMON);
}

EventSink::~EventSink() {
  if (file_) fclose(file_);
  if (syslog_) closelog();
}

bool EventSink::TakeToken() {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - last_refill_).count();
  last_refill_ = now;
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

bool EventSink::IsPacketKind(const std::string& kind) {
  return kind == "blocked" || kind == "threat" || kind == "would-block" || kind == "allowed";
}

bool EventSink::AdmitPacket() {
  if (TakeToken()) return true;
  ++suppressed_pending_;
  ++suppressed_total_;
  return false;
}

void EventSink::EmitPacket(const std::string& kind, nlohmann::json packet,
                           const std::function<void(nlohmann::json&)>& enrich) {
  // The token first: enriching (socket owner lookups in /proc) is the expensive part, and a
  // flood of packets must not buy a flood of lookups.
  if (!AdmitPacket()) return;
  if (enrich) enrich(packet);
  Write(kind, std::move(packet));
}

void EventSink::Emit(const std::string& kind, nlohmann::json fields) {
  if (IsPacketKind(kind) && !AdmitPacket()) return;
  Write(kind, std::move(fields));
}

void EventSink::Write(const std::string& kind, nlohmann::json fields) {
  nlohmann::json event = {{"time", NowIso8601()}, {"event", kind}};
  event.update(fields);
  if (suppressed_pending_ > 0) {
    event["suppressed_before"] = suppressed_pending_;
    suppressed_pending_ = 0;
  }
  const std::string line = event.dump();
  if (file_) {
    fputs(line.c_str(), file_);
    fputc('\n', file_);
    fflush(file_);
  }
  if (syslog_) {
    const bool routine = IsPacketKind(kind) || kind == "state";
    syslog(routine ? LOG_INFO : LOG_NOTICE, "%s", line.c_str());
  }
  ++emitted_;
}

}  // namespace netwarden::agent
