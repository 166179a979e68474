#pragma once
// systemd's service protocol (sd_notify): READY=1 once the first reconcile has put the policy in
// the kernel (Type=notify units start their dependants only then), and WATCHDOG=1 from the event
// loop itself, so a frozen loop stops the pings and systemd restarts the agent (WatchdogSec=).
// Outside systemd every call is a no-op.

#include <chrono>
#include <optional>
#include <string>

namespace netwarden::agent {

void NotifyReady(const std::string& status);
void NotifyStatus(const std::string& status);
void NotifyStopping();
// How often to ping: half the unit's WatchdogSec, or nullopt when no watchdog is configured.
std::optional<std::chrono::milliseconds> WatchdogPingInterval();
void NotifyWatchdog();

}  // namespace netwarden::agent
