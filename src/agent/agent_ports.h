#pragma once
// What the agent needs from the outside world, as narrow interfaces it is given (Envoy/Katran:
// the kernel adapter is injected). The real ones talk to rtnetlink, OpenSSL and c-ares; tests give
// fakes and drive the agent without root or a network (tests/agent/agent_scenario_test.cc).

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/interface_monitor.h"
#include "agent/name_resolver.h"
#include "agent/packet_log.h"
#include "agent/trust_probe.h"
#include "core/result.h"
#include "dataplane/dataplane.h"
#include "threats/threat_kernel.h"

namespace netwarden::agent {

// Links, addresses and routes: a readable fd when something changed, and a full snapshot.
class NetworkSource {
 public:
  virtual ~NetworkSource() = default;
  virtual int notification_fd() const = 0;
  // Reads and discards pending notifications; true when anything changed (or some were lost).
  virtual bool DrainNotifications() = 0;
  virtual Result<NetworkSnapshot> Snapshot() = 0;
};

// Blocking calls the agent runs on worker threads.
using Prober = std::function<ProbeOutcome(const ProbeTarget& target, const std::string& interface,
                                          std::chrono::milliseconds timeout)>;
using NameLookup =
    std::function<Result<Resolution>(const std::string& name, const std::vector<IpAddress>& servers,
                                     std::chrono::milliseconds timeout)>;

struct AgentDeps {
  std::unique_ptr<Dataplane> dataplane;    // table inet netwarden
  // Table inet netwarden_threats and the inspection routes; null: no threat-feed plane.
  std::unique_ptr<threats::ThreatKernel> threat_kernel;
  std::unique_ptr<NetworkSource> network;  // rtnetlink
  Prober prober;
  NameLookup lookup;
  // The kernel's packet logs (NFLOG groups: blocked / would-block, threat-feed hits); null: no
  // packet events.
  PacketLogOpener packet_logs;
  // nftables change notifications, socket owners and the per-program plane: off in kernel-free
  // tests.
  bool kernel = true;
};

// rtnetlink, OpenSSL, c-ares and libnftables: what `netwarden agent` runs with.
Result<AgentDeps> SystemDeps();

}  // namespace netwarden::agent
