#include "agent/service_notify.h"

#include <systemd/sd-daemon.h>

namespace netwarden::agent {

void NotifyReady(const std::string& status) { sd_notify(0, ("READY=1\nSTATUS=" + status).c_str()); }

void NotifyStatus(const std::string& status) { sd_notify(0, ("STATUS=" + status).c_str()); }

void NotifyStopping() { sd_notify(0, "STOPPING=1"); }

std::optional<std::chrono::milliseconds> WatchdogPingInterval() {
  uint64_t microseconds = 0;
  if (sd_watchdog_enabled(0, &microseconds) <= 0 || microseconds == 0) return std::nullopt;
  return std::chrono::milliseconds(std::max<uint64_t>(microseconds / 2000, 1));
}

void NotifyWatchdog() { sd_notify(0, "WATCHDOG=1"); }

}  // namespace netwarden::agent
