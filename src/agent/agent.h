#pragma once
// The live agent: keeps the kernel's enforcement equal to the policy at every moment.
//
//   rtnetlink ─┐                      ┌─ trust probes (worker threads, OpenSSL)
//   NFLOG ─────┤                      ├─ name lookups (worker threads, c-ares)
//                                     ├─ threat-feed refreshes (a worker thread, libcurl +
//                                     │  netlink batches into table inet netwarden_threats)
//   control ───┼─► EventLoop ─► Recompute(): Situation ─► Resolve ─► Compile ─► Dataplane::Apply
//   signals ───┤                          (one atomic transaction; set update when only the
//   timers ────┘                           situation changed), then events + state file
//
// Every change is applied before it is reported. If an apply fails the kernel keeps the previous
// ruleset (atomic), the agent retries, and status says so. Killing the agent changes nothing in
// the kernel; a restarted agent adopts the installed table (same structure = set update only).

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/control_socket.h"
#include "agent/event_loop.h"
#include "agent/event_sink.h"
#include "agent/interface_monitor.h"
#include "agent/nflog_source.h"
#include "agent/socket_owner.h"
#include "dataplane/dataplane.h"
#include "policy/policy.h"
#include "situation/effective_policy.h"
#include "threats/apply.h"
#include "threats/explain.h"

namespace netwarden::agent {

struct AgentOptions {
  std::string policy_path;
  std::string control_path = kDefaultControlPath;
  std::optional<gid_t> control_group;
  std::string events_path = "/var/log/netwarden/events.jsonl";
  std::string state_path = "/run/netwarden/state.json";
  std::string resolv_conf = "/etc/resolv.conf";
  bool syslog = true;
  std::chrono::seconds probe_interval{60};
  std::chrono::milliseconds probe_timeout{3000};
  std::chrono::seconds max_portal_window{900};
  std::string threat_cache = "/var/lib/netwarden/threats";  // last good copies of the feeds
};

class Agent {
 public:
  static Result<std::unique_ptr<Agent>> Create(AgentOptions options,
                                               std::unique_ptr<Dataplane> dataplane);
  // Runs until SIGTERM/SIGINT. Returns the process exit code.
  int Run();

 private:
  using Clock = std::chrono::steady_clock;
  struct CachedName {
    std::vector<IpAddress> addresses;
    Clock::time_point refresh_at;
    bool in_flight = false;
    std::string last_error;
  };

  explicit Agent(AgentOptions options) : options_(std::move(options)) {}
  Result<void> Start();

  // Inputs (agent_inputs.cc)
  void OnNetworkNotification();
  void TakeSnapshot();
  void StartProbes();
  void OnProbeResult(const std::string& interface, const std::string& network, uint64_t epoch,
                     bool trusted, const std::string& detail);
  void StartDueResolutions();
  void OnResolved(const std::string& name, std::vector<IpAddress> addresses,
                  std::chrono::seconds ttl, std::string error);
  void CheckRoutes();
  void OpenPortal(std::chrono::seconds length);

  // Enforcement (agent.cc)
  Situation BuildSituation() const;
  void Recompute(const std::string& reason);
  Result<void> LoadPolicy();
  void Reload(const std::string& origin);
  void SaveState() const;
  void LoadState();

  // Threat feeds (agent_threats.cc)
  void EnforceFeedsFromDisk();
  void ScheduleFeedRefresh();
  void StartFeedRefresh(std::optional<std::set<std::string>> feeds, bool fetch);
  void OnFeedReport(Result<threats::ApplyReport> report, bool fetch);
  void ContinueFeedWork();
  void OnThreatPacket(nlohmann::json packet);
  void AddProgram(nlohmann::json& packet);
  void RetryFailedFeeds();
  void ProtectNewEndpoints();
  uint64_t RequestFeedRefresh();
  nlohmann::json FeedStatus() const;

  // Control (agent_control.cc)
  nlohmann::json HandleControl(const nlohmann::json& request, const Peer& peer);
  nlohmann::json Status() const;
  std::string StateName() const;

  AgentOptions options_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<Dataplane> dataplane_;
  std::unique_ptr<EventSink> events_;
  std::unique_ptr<InterfaceMonitor> monitor_;
  std::unique_ptr<NflogSource> nflog_;
  std::unique_ptr<ControlServer> control_;
  int signal_fd_ = -1;

  Policy policy_;
  std::string policy_error_;  // a refused policy (the previous one, or block-all, stays)
  NetworkSnapshot snapshot_;
  std::map<std::string, uint64_t> interface_epoch_;          // bumped when addresses change
  std::map<std::string, std::string> interface_addresses_;   // to detect address changes
  std::map<std::string, std::string> verified_;              // interface -> trusted network
  std::set<std::string> probes_in_flight_;
  std::set<std::string> reported_probe_failures_;  // interface|network|epoch already reported
  std::map<std::string, CachedName> names_;
  Clock::time_point portal_until_{};
  std::vector<std::string> route_warnings_;

  EffectivePolicy effective_;
  uint64_t generation_ = 0;
  std::string last_summary_;
  nlohmann::json last_apply_ = nlohmann::json::object();
  std::map<std::string, uint64_t> counters_;

  struct FeedState {
    std::string url;
    size_t entries = 0;
    int64_t fetched_at = 0;  // unix seconds of the enforced copy's download
    int64_t checked_at = 0;  // unix seconds of the last download attempt
    std::string result;  // "refused: …" / "failed: …" are problems (threats/apply.h)
  };
  std::map<std::string, FeedState> feeds_;
  threats::FeedLists feed_lists_;  // what the kernel holds, to name the entry in events
  std::unique_ptr<NflogSource> threat_nflog_;
  SocketOwners socket_owners_;
  bool feed_refresh_in_flight_ = false;
  bool feed_offline_pending_ = false;  // the policy changed during a refresh: re-apply after it
  std::set<std::string> feeds_forced_due_;
  std::vector<IpNetwork> feed_endpoints_;  // kept reachable in the lists now loaded
  uint64_t feed_refreshes_started_ = 0;
  uint64_t feed_refreshes_done_ = 0;

  EventLoop::TimerId debounce_timer_ = 0;
  EventLoop::TimerId feed_timer_ = 0;
  EventLoop::TimerId probe_timer_ = 0;
  EventLoop::TimerId resolve_timer_ = 0;
  EventLoop::TimerId portal_timer_ = 0;
  EventLoop::TimerId retry_timer_ = 0;
  EventLoop::TimerId probe_retry_timer_ = 0;
  std::chrono::milliseconds probe_backoff_{1000};
};

}  // namespace netwarden::agent
