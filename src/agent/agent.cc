#include "agent/agent.h"

#include <signal.h>
#include <netinet/in.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/resolv_conf.h"
#include "compiler/compiler.h"
#include "policy/policy_parser.h"
#include "threats/threat_ruleset.h"

namespace netwarden::agent {

using namespace std::chrono_literals;

Result<std::unique_ptr<Agent>> Agent::Create(AgentOptions options,
                                             std::unique_ptr<Dataplane> dataplane) {
  std::unique_ptr<Agent> agent(new Agent(std::move(options)));
  agent->dataplane_ = std::move(dataplane);
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

  if (auto loaded = LoadPolicy(); !loaded) {
    // Fail closed: without a valid policy the machine is blocked (a policy with no exceptions),
    // and the agent waits for a reload.
    policy_error_ = loaded.error().ToString();
    policy_ = *ParsePolicy("version: 1\n", "(block-all)");
    events_->Emit("error", {{"message", "policy refused; blocking everything"},
                            {"detail", policy_error_}});
  }
  LoadState();
  // The reputation lists before any network: from the disk copies (a refused policy leaves the
  // kernel's lists as they are — everything is blocked anyway).
  if (policy_error_.empty()) EnforceFeedsFromDisk();

  auto monitor = InterfaceMonitor::Open();
  if (!monitor) return monitor.error();
  monitor_ = std::move(*monitor);
  auto control = ControlServer::Open(options_.control_path, options_.control_group,
                                     [this](const nlohmann::json& request, const Peer& peer) {
                                       return HandleControl(request, peer);
                                     });
  if (!control) return control.error();
  control_ = std::move(*control);
  auto nflog = NflogSource::Open(kDefaultLogGroup, [this](nlohmann::json packet) {
    ++counters_["blocked_packets"];
    AddProgram(packet);
    events_->Emit("blocked", std::move(packet));
  });
  if (nflog) {
    nflog_ = std::move(*nflog);
  } else {
    events_->Emit("error", {{"message", nflog.error().ToString()}});
  }
  auto threat_nflog = NflogSource::Open(threats::kThreatLogGroup, [this](nlohmann::json packet) {
    OnThreatPacket(std::move(packet));
  });
  if (threat_nflog) {
    threat_nflog_ = std::move(*threat_nflog);
  } else {
    events_->Emit("error", {{"message", threat_nflog.error().ToString()}});
  }

  (void)loop_->WatchReadable(monitor_->notification_fd(), [this] { OnNetworkNotification(); });
  (void)loop_->WatchReadable(control_->fd(), [this] { control_->AcceptOne(); });
  if (nflog_) (void)loop_->WatchReadable(nflog_->fd(), [this] { nflog_->ReadPending(); });
  if (threat_nflog_) {
    (void)loop_->WatchReadable(threat_nflog_->fd(), [this] { threat_nflog_->ReadPending(); });
  }
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

  debounce_timer_ = loop_->After(24h, [this] { TakeSnapshot(); });
  probe_timer_ = loop_->After(options_.probe_interval, [this] {
    StartProbes();
    loop_->Rearm(probe_timer_, options_.probe_interval);
  });
  resolve_timer_ = loop_->After(24h, [this] { StartDueResolutions(); });
  portal_timer_ = loop_->After(24h, [this] {
    events_->Emit("portal", {{"window", "closed"}});
    Recompute("captive-portal window closed");
  });
  retry_timer_ = loop_->After(24h, [this] { Recompute("retry after a failed apply"); });
  probe_retry_timer_ = loop_->After(24h, [this] { StartProbes(); });
  feed_timer_ = loop_->After(24h, [this] { ScheduleFeedRefresh(); });

  // Adopt what is installed: the first apply of an unchanged structure is a set update, so the
  // table installed by a previous agent (or at boot) enforces without a gap meanwhile.
  TakeSnapshot();
  StartDueResolutions();
  StartProbes();
  ScheduleFeedRefresh();
  return Ok();
}

int Agent::Run() {
  events_->Emit("state", {{"state", StateName()}, {"note", "agent started"},
                          {"policy", options_.policy_path}});
  loop_->Run();
  SaveState();
  // Worker threads may still be waiting on the network; the kernel keeps enforcing.
  std::_Exit(0);
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

Situation Agent::BuildSituation() const {
  Situation situation;
  situation.interfaces = snapshot_.interfaces;
  for (const auto& [interface, network] : verified_) {
    situation.verified_trusted.push_back({network, interface});
  }
  for (const auto& [name, cached] : names_) {
    if (!cached.addresses.empty()) situation.resolved[name] = cached.addresses;
  }
  situation.dns_resolvers = ReadNameservers(options_.resolv_conf);
  situation.portal_window_open = Clock::now() < portal_until_;
  return situation;
}

void Agent::Recompute(const std::string& reason) {
  effective_ = Resolve(policy_, BuildSituation());
  auto outcome = dataplane_->Apply(Compile(effective_));
  ++counters_["applies"];
  if (!outcome) {
    ++counters_["apply_failures"];
    last_apply_ = {{"time", NowIso8601()}, {"ok", false}, {"reason", reason},
                   {"error", outcome.error().ToString()}};
    events_->Emit("error", {{"message", "apply failed; the previous ruleset stays in force"},
                            {"detail", outcome.error().ToString()}});
    loop_->Rearm(retry_timer_, 2s);
    return;
  }
  ++generation_;
  const bool replaced = outcome->mode == ApplyOutcome::Mode::kReplaced;
  ++counters_[replaced ? "replacements" : "set_updates"];
  last_apply_ = {{"time", NowIso8601()}, {"ok", true}, {"reason", reason},
                 {"mode", replaced ? "replaced" : "sets-updated"}, {"rules", outcome->rules},
                 {"elements", outcome->elements}};
  // Reported only now that the kernel enforces it.
  nlohmann::json summary = {{"state", StateName()},
                            {"tunnels", effective_.tunnel_interfaces},
                            {"trusted", effective_.trusted_interfaces},
                            {"portal_window", !effective_.portal_window_interfaces.empty()}};
  if (summary.dump() != last_summary_) {
    last_summary_ = summary.dump();
    summary["reason"] = reason;
    summary["generation"] = generation_;
    events_->Emit("state", summary);
    if (!effective_.tunnel_interfaces.empty() || !effective_.trusted_interfaces.empty()) {
      RetryFailedFeeds();
    }
  }
  ProtectNewEndpoints();
  SaveState();
}

void Agent::Reload(const std::string& origin) {
  auto policy = LoadPolicyFile(options_.policy_path);
  if (!policy) {
    policy_error_ = policy.error().ToString();
    events_->Emit("reload", {{"ok", false}, {"origin", origin},
                             {"error", policy_error_}, {"note", "the previous policy stays"}});
    return;
  }
  const bool feeds_changed = policy->threats != policy_.threats || !policy_error_.empty();
  policy_ = std::move(*policy);
  policy_error_.clear();
  events_->Emit("reload", {{"ok", true}, {"origin", origin}});
  if (feeds_changed) {
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
  Recompute("policy reloaded (" + origin + ")");
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
  for (const auto& [name, list] : state["resolved"].items()) {
    if (std::find(hostnames.begin(), hostnames.end(), name) == hostnames.end()) continue;
    if (!list.is_array()) continue;
    CachedName cached;
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
