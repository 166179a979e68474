#pragma once
// The live agent: keeps the kernel's enforcement equal to the policy at every moment.
//
//   rtnetlink ──────┐                   ┌─ trust probes, name lookups, feed downloads (workers)
//   NFLOG ──────────┤                   │
//   nft monitor ────┤  inputs only      │        Reconcile() — once per loop turn when dirty:
//   resolv.conf ────┼─► update the ─────┴──► Situation ─► desired state per plane ─► managers
//   control ────────┤   situation and        (VpnManager: inet netwarden; threat feeds;
//   signals/timers ─┘   mark it dirty         apps) applied in the safe order (reconciler.h),
//                                             then events + state file
//
// Every change is applied before it is reported. A manager whose apply fails stays dirty and is
// retried with backoff while the others proceed. Nothing is trusted to stay as applied: nftables
// change notifications and a periodic resync find drift (a table deleted by another tool) and the
// next reconcile repairs it. Killing the agent changes nothing in the kernel; a restarted agent
// adopts the installed table (same structure = set update only).

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/agent_ports.h"
#include "agent/apps_manager.h"
#include "agent/control_socket.h"
#include "agent/event_loop.h"
#include "agent/event_sink.h"
#include "agent/file_watch.h"
#include "agent/interface_monitor.h"
#include "agent/packet_log.h"
#include "agent/nft_monitor.h"
#include "agent/reconciler.h"
#include "agent/socket_owner.h"
#include "agent/threat_manager.h"
#include "agent/vpn_manager.h"
#include "compiler/compiler.h"
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
  std::chrono::milliseconds resync_interval{10000};
  std::string cgroup;  // per-program firewall: cgroup-v2 directory ("" = the root cgroup)
  std::string pin_dir = "/sys/fs/bpf/netwarden";  // full check of every plane against the kernel
  // Network notifications: the first of a burst is acted on at once, the rest of the burst is
  // folded into one snapshot after this long. `trailing_debounce` restores the old behaviour
  // (every snapshot waits) for the reaction-time benchmark's baseline.
  std::chrono::milliseconds debounce{50};
  bool trailing_debounce = false;
};

// Whether the policy turns the forced VPN on (its `vpn:` section).
bool PolicyHasVpn(const Policy& policy);

class Agent {
 public:
  static Result<std::unique_ptr<Agent>> Create(AgentOptions options, AgentDeps deps);
  // Runs until SIGTERM/SIGINT (or Stop()). Returns the process exit code. Worker threads may
  // still wait on the network afterwards: the caller ends the process (the kernel keeps
  // enforcing).
  int Run();
  // Thread-safe: ends Run() (tests).
  void Stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct CachedName {
    std::vector<IpAddress> addresses;
    Clock::time_point refresh_at;
    bool in_flight = false;
    bool via_tunnel = false;  // answered while the tunnel was up (not the local network's word)
    std::string last_error;
  };

  Agent(AgentOptions options, AgentDeps deps)
      : options_(std::move(options)), deps_(std::move(deps)) {}
  Result<void> Start();
  Result<void> OpenKernelInputs();
  void OpenPacketLogs();
  void OpenAppsPlane();
  void RescanPrograms();

  // Inputs (agent_inputs.cc)
  void OnNetworkNotification();
  void TakeSnapshot();
  bool TakeSnapshotToken();
  void StartProbes();
  void OnProbeResult(const std::string& interface, const std::string& network, uint64_t epoch,
                     bool trusted, const std::string& detail);
  void StartDueResolutions();
  void OnResolved(const std::string& name, std::vector<IpAddress> addresses,
                  std::chrono::seconds ttl, std::string error, bool via_tunnel);
  bool TunnelUp() const;
  bool OpensByName(const std::string& name) const;
  void OnTunnelUp();
  void CheckRoutes();
  // Returns the length granted (never past the longest window since this one opened).
  Result<std::chrono::seconds> OpenPortal(std::chrono::seconds length);
  static constexpr size_t kMaxPortalWindowsPerHour = 4;

  void OnResolvConfChanged();
  std::chrono::milliseconds TrustLifetime() const;
  void ExpireTrust();

  // Enforcement (agent_reconcile.cc)
  Situation BuildSituation() const;
  // Inputs call this: the situation changed; one reconcile runs at the end of this loop turn.
  void RequestReconcile(const std::string& reason);
  void Reconcile();
  void ReportState(const std::string& reason);
  // `planes` empty: every plane (and resolv.conf).
  void Resync(const std::string& trigger, const std::set<std::string>& planes = {});
  void OnNftChanges();
  void VerifyForcedVpn(const std::string& when);
  bool VpnEnforced() const;
  CompileOptions CompileOptionsNow() const;

  // Policy and state file (agent.cc)
  Result<void> LoadPolicy();
  void Reload(const std::string& origin);
  void SaveState() const;
  void LoadState();

  // Threat feeds (agent_threats.cc)
  void EnforceFeedsFromDisk();
  void ScheduleFeedRefresh();
  void StartFeedRefresh(std::optional<std::set<std::string>> feeds, bool fetch);
  void OnFeedsPrepared(threats::PreparedLists prepared, bool fetch);
  void SetDesiredFeeds(threats::PreparedLists prepared, const EffectivePolicy& effective);
  void AfterThreatReconcile(const ReconcileOutcome& outcome);
  void OnFeedsApplied();
  void OnFeedsFailed(const std::string& error);
  void FinishFeedWork();
  void ContinueFeedWork();
  void OnThreatPacket(nlohmann::json packet);
  void AddProgram(nlohmann::json& packet);
  void RetryFailedFeeds();
  uint64_t RequestFeedRefresh();
  nlohmann::json FeedStatus() const;

  // Control (agent_control.cc)
  nlohmann::json HandleControl(const nlohmann::json& request, const Peer& peer);
  nlohmann::json Status() const;
  nlohmann::json SituationJson() const;
  nlohmann::json Modes() const;
  std::string StateName() const;

  AgentOptions options_;
  AgentDeps deps_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<VpnManager> vpn_;
  // The threat-feed plane: null without a threat kernel (kernel-free tests) and until a policy
  // was accepted (a refused policy at start leaves the kernel's lists as they are).
  std::unique_ptr<ThreatManager> threats_;
  std::unique_ptr<AppsManager> apps_;  // null where this build or machine has no eBPF
  std::string apps_error_;             // why apps_ is null
  Reconciler reconciler_;
  std::unique_ptr<NftMonitor> nft_monitor_;
  std::unique_ptr<FileWatch> resolv_watch_;
  bool reconcile_posted_ = false;
  std::optional<bool> table_verified_;  // the last proof of the installed table (none: not checked)
  std::string verify_error_;
  bool snapshot_changed_ = false;  // routes and probes follow the reconcile of a new snapshot
  struct PendingDrift {
    Drift drift;
    std::string plane;
  };
  std::vector<PendingDrift> pending_drift_;  // found, reported once repaired
  std::set<std::string> nft_resync_planes_;  // named by nftables notifications
  bool nft_resync_all_ = false;
  std::vector<std::string> pending_reasons_;
  std::vector<IpAddress> resolvers_;  // resolv.conf's nameservers, re-read when it changes
  std::unique_ptr<EventSink> events_;
  std::unique_ptr<PacketLog> nflog_;
  std::unique_ptr<ControlServer> control_;
  int signal_fd_ = -1;

  Policy policy_;
  std::string policy_error_;  // a refused policy (the previous one, or block-all, stays)
  NetworkSnapshot snapshot_;
  std::map<std::string, uint64_t> interface_epoch_;         // bumped when addresses change
  std::map<std::string, std::string> interface_addresses_;  // to detect address changes
  std::map<std::string, std::string> verified_;             // interface -> trusted network
  std::map<std::string, Clock::time_point> verified_at_;    // interface -> last good probe
  std::set<std::string> probes_in_flight_;                  // interface|network|path
  std::map<std::string, std::string> probe_paths_;          // interface -> its addresses and routes
  std::set<std::string> reported_probe_failures_;  // interface|network|epoch already reported
  std::map<std::string, CachedName> names_;
  Clock::time_point portal_until_{};
  Clock::time_point portal_opened_at_{};
  std::deque<Clock::time_point> portal_opens_;  // windows opened in the last hour
  std::vector<std::string> route_warnings_;

  EffectivePolicy effective_;
  uint64_t generation_ = 0;
  uint64_t tunnel_epoch_ = 1;  // bumped each time a tunnel comes up
  std::string last_summary_;
  nlohmann::json last_apply_ = nlohmann::json::object();
  std::map<std::string, uint64_t> counters_;

  struct FeedState {
    std::string url;
    size_t entries = 0;
    int64_t fetched_at = 0;  // unix seconds of the enforced copy's download
    int64_t checked_at = 0;  // unix seconds of the last download attempt
    std::string result;      // "refused: …" / "failed: …" are problems (threats/apply.h)
  };
  std::map<std::string, FeedState> feeds_;
  std::unique_ptr<PacketLog> threat_nflog_;
  SocketOwners socket_owners_;
  // A refresh runs from the worker's PrepareFeeds until the reconcile that put its lists into
  // the kernel (or failed to): one at a time.
  bool feed_refresh_in_flight_ = false;
  bool feed_apply_pending_ = false;    // prepared lists handed to threats_, not yet applied
  bool feed_apply_fetch_ = false;      // ... and they came from downloads (not disk copies)
  bool feed_offline_pending_ = false;  // the policy changed during a refresh: re-apply after it
  std::set<std::string> feeds_forced_due_;
  std::optional<ThreatPolicy> feed_policy_given_;  // what threats_ was last given
  std::vector<IpNetwork> feed_endpoints_;          // kept reachable: what threats_ was last given
  uint64_t feed_refreshes_started_ = 0;
  uint64_t feed_refreshes_done_ = 0;

  EventLoop::TimerId debounce_timer_ = 0;
  bool debounce_pending_ = false;  // a trailing snapshot is scheduled
  // Network notifications acted on at once, in a burst (then 50/s; TakeSnapshotToken).
  static constexpr double kSnapshotBurst = 8;
  double snapshot_tokens_ = kSnapshotBurst;  // immediate snapshots left
  Clock::time_point tokens_refilled_at_{};
  EventLoop::TimerId resync_timer_ = 0;
  EventLoop::TimerId watchdog_timer_ = 0;
  EventLoop::TimerId trust_expiry_timer_ = 0;
  EventLoop::TimerId apps_rescan_timer_ = 0;
  EventLoop::TimerId apps_resync_timer_ = 0;
  EventLoop::TimerId nft_resync_timer_ = 0;
  EventLoop::TimerId feed_timer_ = 0;
  EventLoop::TimerId probe_timer_ = 0;
  EventLoop::TimerId resolve_timer_ = 0;
  EventLoop::TimerId portal_timer_ = 0;
  EventLoop::TimerId retry_timer_ = 0;
  EventLoop::TimerId probe_retry_timer_ = 0;
  std::chrono::milliseconds probe_backoff_{1000};
};

}  // namespace netwarden::agent
