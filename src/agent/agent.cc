#include "agent/agent.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/quiet_commit_kernel.h"
#include "agent/resolv_conf.h"
#include "agent/service_notify.h"
#include "compiler/compiler.h"
#include "policy/policy_parser.h"
#include "threats/threat_ruleset.h"

namespace netwarden::agent {

using namespace std::chrono_literals;

bool PolicyHasVpn(const Policy& policy) { return policy.vpn.has_value(); }

Result<std::unique_ptr<Agent>> Agent::Create(AgentOptions options, AgentDeps deps) {
  if (!deps.dataplane || !deps.network || !deps.prober || !deps.lookup) {
    return MakeError(ErrorCode::kInvalidArgument, "agent: a dependency is missing");
  }
  std::unique_ptr<Agent> agent(new Agent(std::move(options), std::move(deps)));
  if (auto started = agent->Start(); !started) return started.error();
  return agent;
}

Result<void> Agent::LoadPolicy() {
  auto policy = LoadPolicyFile(options_.policy_path);
  if (!policy) return policy.error();
  for (const auto& warning : policy->warnings) {
    events_->Emit("policy-warning", {{"message", warning.ToString()}});
  }
  policy_ = std::move(*policy);
  policy_error_.clear();
  return Ok();
}

// The kernel's packet logs: blocked and would-block packets of the forced VPN, threat-feed hits.
void Agent::OpenPacketLogs() {
  if (!deps_.packet_logs) return;
  auto nflog = deps_.packet_logs(kDefaultLogGroup, [this](nlohmann::json packet) {
    const auto add_program = [this](nlohmann::json& p) { AddProgram(p); };
    packet["plane"] = "vpn";
    // Report mode (`vpn: {mode: report}`) logs what enforce mode would reject and lets it pass.
    if (packet.value("verdict", "") == "would-block") {
      ++counters_["would_block_packets"];
      packet.erase("verdict");
      events_->EmitPacket("would-block", std::move(packet), add_program);
      return;
    }
    ++counters_["blocked_packets"];
    events_->EmitPacket("blocked", std::move(packet), add_program);
  });
  if (nflog) {
    nflog_ = std::move(*nflog);
    (void)loop_->WatchReadable(nflog_->fd(), [this] { nflog_->ReadPending(); });
  } else {
    events_->Emit("error", {{"message", nflog.error().ToString()}});
  }
  auto threat_nflog = deps_.packet_logs(threats::kThreatLogGroup, [this](nlohmann::json packet) {
    OnThreatPacket(std::move(packet));
  });
  if (threat_nflog) {
    threat_nflog_ = std::move(*threat_nflog);
    (void)loop_->WatchReadable(threat_nflog_->fd(), [this] { threat_nflog_->ReadPending(); });
  } else {
    events_->Emit("error", {{"message", threat_nflog.error().ToString()}});
  }
}

// nftables change notifications (not in kernel-free tests).
Result<void> Agent::OpenKernelInputs() {
  auto monitor = NftMonitor::Open({"netwarden", "netwarden_threats"});
  if (monitor) {
    nft_monitor_ = std::move(*monitor);
    (void)loop_->WatchReadable(nft_monitor_->fd(), [this] { OnNftChanges(); });
  } else {
    // The periodic resync still repairs drift, only later.
    events_->Emit("error", {{"message", monitor.error().ToString()},
                            {"note", "drift is found by the periodic check only"}});
  }
  return Ok();
}

// The per-program firewall (eBPF on a cgroup): its manager, the program watcher and its verdict
// events on this loop. BPF links send no change notifications: a short periodic check finds a
// detached link or a removed pin.
void Agent::OpenAppsPlane() {
  AppsManagerOptions apps_options;
  apps_options.cgroup = options_.cgroup;
  apps_options.pin_dir = options_.pin_dir;
  auto apps = AppsManager::Create(apps_options);
  if (!apps) {
    apps_error_ = apps.error().ToString();
    if (!policy_.apps.rules.empty()) {
      events_->Emit("error", {{"message", "the per-program firewall cannot run here"},
                              {"plane", "apps"},
                              {"detail", apps_error_}});
    }
    return;
  }
  apps_ = std::move(*apps);
  reconciler_.Add(apps_.get());
  (void)loop_->WatchReadable(apps_->watch_fd(), [this] { RescanPrograms(); });
  if (apps_->event_fd() >= 0) {
    (void)loop_->WatchReadable(apps_->event_fd(), [this] {
      apps_->ReadEvents([this](nlohmann::json event) {
        const std::string kind = event.value("event", "blocked");
        event.erase("event");
        ++counters_["apps_" + kind];
        events_->EmitPacket(kind, std::move(event), nullptr);
      });
    });
  }
  apps_rescan_timer_ = loop_->After(1s, [this] {
    RescanPrograms();
    loop_->Rearm(apps_rescan_timer_, 1s);
  });
  apps_resync_timer_ = loop_->After(250ms, [this] {
    Resync("periodic BPF check", {"apps"});
    loop_->Rearm(apps_resync_timer_, 250ms);
  });
}

// A rule's program was replaced or has appeared: its new file is added to the tables in force.
void Agent::RescanPrograms() {
  auto changed = apps_->Rescan();
  if (!changed) {
    events_->Emit("error", {{"message", "program rescan failed"},
                            {"plane", "apps"},
                            {"detail", changed.error().ToString()}});
    return;
  }
  for (const auto& path : *changed) {
    events_->Emit("program", {{"path", path}, {"note", "new executable enforced"}});
  }
}

Result<void> Agent::Start() {
  // Signals become readable events; they must be blocked before any worker thread exists.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal_fd_ = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);

  auto loop = EventLoop::Create();
  if (!loop) return loop.error();
  loop_ = std::move(*loop);
  events_ = std::make_unique<EventSink>(options_.events_path, options_.syslog);
  vpn_ = std::make_unique<VpnManager>(*deps_.dataplane);
  reconciler_.Add(vpn_.get());
  if (deps_.threat_kernel) {
    ThreatManagerOptions threat_options;
    threat_options.cache_directory = options_.threat_cache;
    // A big commit blocks the loop for seconds (the kernel's element inserts): the watchdog is
    // pinged before and after it, so the commit gets the whole WatchdogSec interval.
    QuietCommitKernel::Hooks quiet{
        [this] {
          NotifyWatchdog();
          // Not leaving only costs time (the notifications are still built): nothing to report.
          if (nft_monitor_) (void)nft_monitor_->Pause();
        },
        [this] {
          NotifyWatchdog();
          if (!nft_monitor_) return;
          if (auto resumed = nft_monitor_->Resume(); !resumed) {
            events_->Emit("error", {{"message", resumed.error().ToString()},
                                    {"note", "drift is found by the periodic check only"}});
          }
          nft_resync_all_ = true;
          if (nft_resync_timer_) loop_->Rearm(nft_resync_timer_, 20ms);
        }};
    threats_ = std::make_unique<ThreatManager>(
        std::make_unique<QuietCommitKernel>(std::move(deps_.threat_kernel), std::move(quiet)),
        threat_options);
    reconciler_.Add(threats_.get());
  }

  if (auto loaded = LoadPolicy(); !loaded) {
    // Fail closed: without a valid policy the machine is blocked (a policy with no exceptions),
    // and the agent waits for a reload.
    policy_error_ = loaded.error().ToString();
    policy_ = BlockAllPolicy();
    events_->Emit("error",
                  {{"message", "policy refused; blocking everything"}, {"detail", policy_error_}});
  }
  LoadState();
  resolvers_ = ReadNameservers(options_.resolv_conf);
  // The reputation lists before any network: from the disk copies, applied by the first
  // reconcile below (a refused policy leaves the kernel's lists as they are — everything is
  // blocked anyway).
  if (policy_error_.empty()) EnforceFeedsFromDisk();

  auto control = ControlServer::Open(options_.control_path, options_.control_group,
                                     [this](const nlohmann::json& request, const Peer& peer) {
                                       return HandleControl(request, peer);
                                     },
                                     *loop_);
  if (!control) return control.error();
  control_ = std::move(*control);
  OpenPacketLogs();
  if (deps_.kernel) {
    if (auto opened = OpenKernelInputs(); !opened) return opened.error();
    OpenAppsPlane();
  }
  if (auto watch = FileWatch::Open(options_.resolv_conf)) {
    resolv_watch_ = std::move(*watch);
    (void)loop_->WatchReadable(resolv_watch_->fd(), [this] {
      if (resolv_watch_->ReadPending()) OnResolvConfChanged();
    });
  } else {
    events_->Emit("error", {{"message", watch.error().ToString()},
                            {"note", "resolv.conf is re-read at every periodic check only"}});
  }

  (void)loop_->WatchReadable(deps_.network->notification_fd(), [this] { OnNetworkNotification(); });
  (void)loop_->WatchReadable(signal_fd_, [this] {
    signalfd_siginfo info{};
    while (read(signal_fd_, &info, sizeof(info)) == sizeof(info)) {
      if (info.ssi_signo == SIGHUP) {
        Reload("SIGHUP");
      } else {
        events_->Emit("state", {{"state", "stopping"}, {"note", "rules stay in force"}});
        loop_->Stop();
      }
    }
  });

  debounce_timer_ = loop_->After(24h, [this] {
    debounce_pending_ = false;
    TakeSnapshot();
  });
  probe_timer_ = loop_->After(options_.probe_interval, [this] {
    StartProbes();
    loop_->Rearm(probe_timer_, options_.probe_interval);
  });
  resolve_timer_ = loop_->After(24h, [this] { StartDueResolutions(); });
  portal_timer_ = loop_->After(24h, [this] {
    events_->Emit("portal", {{"window", "closed"}});
    RequestReconcile("captive-portal window closed");
  });
  retry_timer_ = loop_->After(24h, [this] { RequestReconcile("retry after a failed apply"); });
  probe_retry_timer_ = loop_->After(24h, [this] { StartProbes(); });
  trust_expiry_timer_ = loop_->After(24h, [this] { ExpireTrust(); });
  feed_timer_ = loop_->After(24h, [this] { ScheduleFeedRefresh(); });
  resync_timer_ = loop_->After(options_.resync_interval, [this] {
    Resync("periodic check");
    loop_->Rearm(resync_timer_, options_.resync_interval);
  });
  nft_resync_timer_ = loop_->After(24h, [this] {
    std::set<std::string> planes;
    if (!nft_resync_all_) planes.swap(nft_resync_planes_);
    nft_resync_planes_.clear();
    nft_resync_all_ = false;
    Resync("nftables change notification", planes);
  });

  // Adopt what is installed: the first apply of an unchanged structure is a set update, so the
  // table installed by a previous agent (or at boot) enforces without a gap meanwhile. The first
  // snapshot's reconcile runs synchronously: the rules are in the kernel before Run() starts.
  TakeSnapshot();
  if (reconcile_posted_) Reconcile();
  StartDueResolutions();
  StartProbes();
  ScheduleFeedRefresh();
  return Ok();
}

int Agent::Run() {
  events_->Emit(
      "state",
      {{"state", StateName()}, {"note", "agent started"}, {"policy", options_.policy_path}});
  // The first reconcile ran in Start(): what the policy demands is in the kernel now.
  NotifyReady(StateName());
  if (auto interval = WatchdogPingInterval()) {
    // Pinged from the loop itself: a loop that stops turning stops the pings.
    NotifyWatchdog();
    watchdog_timer_ = loop_->After(*interval, [this, interval = *interval] {
      NotifyWatchdog();
      loop_->Rearm(watchdog_timer_, interval);
    });
  }
  loop_->Run();
  NotifyStopping();
  SaveState();
  return 0;
}

void Agent::Stop() {
  loop_->Post([this] { loop_->Stop(); });
}

// The sending program of a logged packet of this host (it has a socket owner's uid), while its
// socket still exists.
void Agent::AddProgram(nlohmann::json& packet) {
  if (!packet.contains("uid") || !packet.contains("source_port")) return;
  const std::string protocol = packet.value("protocol", "");
  auto source = IpAddress::Parse(packet.value("source", ""));
  auto destination = IpAddress::Parse(packet.value("destination", ""));
  if ((protocol != "tcp" && protocol != "udp") || !source || !destination) return;
  PacketSockets sockets{protocol == "tcp" ? IPPROTO_TCP : IPPROTO_UDP, *source, *destination,
                        packet.value("source_port", uint16_t{0}),
                        packet.value("destination_port", uint16_t{0})};
  if (auto owner = socket_owners_.Find(sockets)) {
    packet["program"] = owner->program;
    packet["pid"] = owner->pid;
  }
}

void Agent::Reload(const std::string& origin) {
  auto policy = LoadPolicyFile(options_.policy_path);
  if (!policy) {
    policy_error_ = policy.error().ToString();
    events_->Emit("reload", {{"ok", false},
                             {"origin", origin},
                             {"error", policy_error_},
                             {"note", "the previous policy stays"}});
    return;
  }
  const bool feeds_changed = policy->threats != policy_.threats || !policy_error_.empty();
  policy_ = std::move(*policy);
  policy_error_.clear();
  events_->Emit("reload", {{"ok", true}, {"origin", origin}});
  if (feeds_changed && threats_) {
    // New feeds get their sets (from a disk copy if there is one) and removed ones go; then the
    // schedule downloads what is due.
    if (feed_refresh_in_flight_) {
      feed_offline_pending_ = true;
    } else {
      StartFeedRefresh(std::nullopt, /*fetch=*/false);
    }
  }
  const auto hostnames = policy_.Hostnames();
  for (auto it = names_.begin(); it != names_.end();) {
    it = std::find(hostnames.begin(), hostnames.end(), it->first) == hostnames.end()
             ? names_.erase(it)
             : std::next(it);
  }
  RequestReconcile("policy reloaded (" + origin + ")");
  StartDueResolutions();
  StartProbes();
}

void Agent::SaveState() const {
  if (options_.state_path.empty()) return;
  nlohmann::json state = {{"generation", generation_}};
  for (const auto& [name, cached] : names_) {
    nlohmann::json addresses = nlohmann::json::array();
    for (const auto& address : cached.addresses) addresses.push_back(address.ToString());
    state["resolved"][name] = addresses;
    if (cached.via_tunnel) state["via_tunnel"].push_back(name);
  }
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(options_.state_path).parent_path(),
                                      ignored);
  const std::string temporary = options_.state_path + ".tmp";
  {
    std::ofstream out(temporary);
    out << state.dump() << "\n";
  }
  std::filesystem::rename(temporary, options_.state_path, ignored);
}

// Resolved names survive a restart so that an adopted table keeps its gateway addresses until
// fresh lookups answer. Trust is never carried over: it is probed again.
void Agent::LoadState() {
  std::ifstream in(options_.state_path);
  if (!in) return;
  auto state = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!state.is_object() || !state.contains("resolved") || !state["resolved"].is_object()) return;
  const auto hostnames = policy_.Hostnames();
  std::set<std::string> via_tunnel;
  if (state.contains("via_tunnel") && state["via_tunnel"].is_array()) {
    for (const auto& name : state["via_tunnel"]) {
      if (name.is_string()) via_tunnel.insert(name.get<std::string>());
    }
  }
  for (const auto& [name, list] : state["resolved"].items()) {
    if (std::find(hostnames.begin(), hostnames.end(), name) == hostnames.end()) continue;
    if (!list.is_array()) continue;
    // A breakout or portal address the local network's resolver gave does not survive a
    // restart: it opens every port to whatever that network said.
    if (OpensByName(name) && !via_tunnel.count(name)) continue;
    CachedName cached;
    cached.via_tunnel = via_tunnel.count(name) > 0;
    for (const auto& text : list) {
      if (!text.is_string()) continue;
      if (auto address = IpAddress::Parse(text.get<std::string>())) {
        cached.addresses.push_back(*address);
      }
    }
    cached.refresh_at = Clock::now();
    names_[name] = cached;
  }
}

}  // namespace netwarden::agent
