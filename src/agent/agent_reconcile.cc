// The agent's one reconcile step: situation → desired state per plane → the managers, in the safe
// order; then what it reports (state event, state file). And the resync that finds drift.
#include <algorithm>
#include <set>

#include "agent/agent.h"
#include "agent/resolv_conf.h"
#include "compiler/compiler.h"
#include "verify/verify.h"

namespace netwarden::agent {

using namespace std::chrono_literals;

namespace {

// "a; b" with repeats said once, in order.
std::string Join(const std::vector<std::string>& parts) {
  std::string joined;
  std::set<std::string> said;
  for (const auto& part : parts) {
    if (!said.insert(part).second) continue;
    if (!joined.empty()) joined += "; ";
    joined += part;
  }
  return joined;
}

// {"table": "inet netwarden"} / {"link": "cgroup/connect4"} / {"pin": "/sys/fs/bpf/..."}
nlohmann::json DriftObject(const std::string& object) {
  for (const char* kind : {"link", "pin"}) {
    const std::string prefix = std::string(kind) + " ";
    if (object.rfind(prefix, 0) == 0) return {{kind, object.substr(prefix.size())}};
  }
  return {{"table", object}};
}

}  // namespace

Situation Agent::BuildSituation() const {
  Situation situation;
  situation.interfaces = snapshot_.interfaces;
  const auto now = Clock::now();
  for (const auto& [interface, network] : verified_) {
    // Expired trust never reaches the kernel again, even if the expiry timer has not run yet
    // (a loop that was frozen: the kernel has already dropped the element).
    const auto at = verified_at_.find(interface);
    if (at == verified_at_.end() || now - at->second > TrustLifetime()) continue;
    situation.verified_trusted.push_back({network, interface});
  }
  for (const auto& [name, cached] : names_) {
    if (!cached.addresses.empty()) situation.resolved[name] = cached.addresses;
  }
  situation.dns_resolvers = resolvers_;
  situation.portal_window_open = now < portal_until_;
  return situation;
}

// A refused policy is replaced by block-all, which is a forced-VPN policy: fail closed.
bool Agent::VpnEnforced() const { return !policy_error_.empty() || PolicyHasVpn(policy_); }

// Trust and portal windows expire in the kernel by themselves (set element timeouts): trust one
// probe interval plus the probe's time after the last good probe, which renews it; a window at
// its end. A frozen or dead agent cannot keep either open.
CompileOptions Agent::CompileOptionsNow() const {
  CompileOptions options;
  options.trust_timeout_seconds = static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(TrustLifetime() + 999ms).count());
  const auto left = portal_until_ - Clock::now();
  options.portal_timeout_seconds = static_cast<uint32_t>(
      std::max<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(left + 999ms).count(), 1));
  return options;
}

void Agent::RequestReconcile(const std::string& reason) {
  pending_reasons_.push_back(reason);
  if (reconcile_posted_) return;
  reconcile_posted_ = true;
  // Posted, not run: every input handled in this loop turn is folded into one reconcile.
  loop_->Post([this] {
    if (reconcile_posted_) Reconcile();
  });
}

void Agent::Reconcile() {
  reconcile_posted_ = false;
  const std::string reason = Join(pending_reasons_);
  pending_reasons_.clear();

  // Desired state, from scratch every time (the situation is small; Resolve + Compile take
  // microseconds): incremental inputs can never leave a stale piece behind.
  const bool tunnel_was_up = TunnelUp();
  const Situation situation = BuildSituation();
  effective_ = Resolve(policy_, situation);
  if (!tunnel_was_up && TunnelUp()) loop_->Post([this] { OnTunnelUp(); });
  // Gateway names from the same situation the forced VPN compiles: nftables and BPF see the
  // same addresses.
  if (apps_) apps_->SetDesired(policy_, situation.resolved);
  // A gateway, proxy, resolver or probe server with a new address that a feed lists is carved
  // out of the lists in the same reconcile that lets the forced VPN reach it.
  SetDesiredFeeds({}, effective_);
  vpn_->SetDesired(VpnEnforced() ? std::optional<Ruleset>(Compile(effective_, CompileOptionsNow()))
                                 : std::nullopt);

  bool vpn_applied = false;
  if (reconciler_.any_dirty()) {
    const ReconcileOutcome outcome = reconciler_.Reconcile(Clock::now());
    ++counters_["reconciles"];
    for (const auto& failure : outcome.failed) {
      if (failure.error == "waiting to retry") continue;
      ++counters_["apply_failures"];
      if (failure.manager == vpn_->name()) {
        last_apply_ = {
            {"time", NowIso8601()}, {"ok", false}, {"reason", reason}, {"error", failure.error}};
      }
      events_->Emit("error", {{"message", "apply failed; the previous ruleset stays in force"},
                              {"plane", failure.manager},
                              {"detail", failure.error}});
    }
    if (!outcome.failed.empty()) loop_->Rearm(retry_timer_, outcome.retry_in);
    AfterThreatReconcile(outcome);
    if (outcome.unordered_mixed) ++counters_["unordered_mixed_changes"];
    vpn_applied = std::count(outcome.applied.begin(), outcome.applied.end(), vpn_->name()) > 0;
    if (vpn_applied) {
      ++counters_["applies"];
      ++generation_;
      if (const auto& applied = vpn_->last_outcome()) {
        const bool replaced = applied->mode == ApplyOutcome::Mode::kReplaced;
        ++counters_[replaced ? "replacements" : "set_updates"];
        last_apply_ = {{"time", NowIso8601()},    {"ok", true},
                       {"reason", reason},        {"mode", replaced ? "replaced" : "sets-updated"},
                       {"rules", applied->rules}, {"elements", applied->elements}};
      } else {
        last_apply_ = {{"time", NowIso8601()},
                       {"ok", true},
                       {"reason", reason},
                       {"mode", "removed"},
                       {"note", "the policy has no vpn section"}};
      }
    }
    // Drift found by a resync is reported once its manager has repaired it (or failed to).
    for (auto it = pending_drift_.begin(); it != pending_drift_.end();) {
      const bool repaired = std::count(outcome.applied.begin(), outcome.applied.end(), it->plane);
      const bool failed =
          std::any_of(outcome.failed.begin(), outcome.failed.end(),
                      [&](const ManagerFailure& f) { return f.manager == it->plane; });
      if (!repaired && !failed) {
        ++it;
        continue;
      }
      nlohmann::json event = DriftObject(it->drift.object);
      event["object"] = it->drift.object;
      event["found"] = it->drift.found;
      event["plane"] = it->plane;
      event["repaired"] = repaired;
      if (repaired) ++counters_["drift_repaired"];
      events_->Emit("drift", std::move(event));
      it = repaired ? pending_drift_.erase(it) : std::next(it);
    }
  }
  // Reported only once the kernel holds it.
  if (!vpn_->dirty()) ReportState(reason);
  if (deps_.kernel && vpn_applied) VerifyForcedVpn("after apply");
  SaveState();
  if (snapshot_changed_) {
    snapshot_changed_ = false;
    CheckRoutes();
    // Re-probe on every address, link or route change: a route can decide whether the probe
    // server is reachable at all. Probes already in flight for an interface are not duplicated.
    probe_backoff_ = 1s;
    StartProbes();
  }
}

void Agent::ReportState(const std::string& reason) {
  nlohmann::json summary = {{"state", StateName()},
                            {"tunnels", effective_.tunnel_interfaces},
                            {"trusted", effective_.trusted_interfaces},
                            {"portal_window", !effective_.portal_window_interfaces.empty()}};
  if (summary.dump() == last_summary_) return;
  last_summary_ = summary.dump();
  summary["reason"] = reason;
  summary["generation"] = generation_;
  events_->Emit("state", summary);
  if (!effective_.tunnel_interfaces.empty() || !effective_.trusted_interfaces.empty()) {
    if (deps_.kernel) RetryFailedFeeds();
  }
}

// Reads back every plane (or the named ones) and marks what drifted dirty; the reconcile that
// follows repairs it and reports the drift.
void Agent::Resync(const std::string& trigger, const std::set<std::string>& planes) {
  ++counters_["resyncs"];
  if (planes.empty()) {
    // The periodic check also re-reads what a missed inotify event would have told.
    auto resolvers = ReadNameservers(options_.resolv_conf);
    if (resolvers != resolvers_) OnResolvConfChanged();
  }
  bool drifted = false;
  for (Manager* manager : reconciler_.managers()) {
    if (!planes.empty() && !planes.count(manager->name())) continue;
    auto drift = manager->Resync();
    if (!drift) {
      events_->Emit("error", {{"message", "cannot check the kernel"},
                              {"plane", manager->name()},
                              {"detail", drift.error().ToString()}});
      continue;
    }
    for (auto& found : *drift) {
      pending_drift_.push_back({std::move(found), manager->name()});
      drifted = true;
    }
  }
  if (drifted || reconciler_.any_dirty()) {
    RequestReconcile("repair after " + trigger);
  } else if (deps_.kernel && planes.empty()) {
    VerifyForcedVpn(trigger);
  }
}

// Proves over every packet that the installed forced-VPN table cannot leak in the current
// situation (netwarden verify, docs/VERIFY.md). A counterexample is an event, shows in status,
// and makes the next reconcile replace the table. Report mode lets everything out on purpose.
void Agent::VerifyForcedVpn(const std::string& when) {
  // Not with inspection: reading the threat table's guard chain makes nftables load every
  // element of that table (seconds with a million entries), which the loop cannot wait for.
  if (!VpnEnforced() || (policy_.vpn && policy_.vpn->mode == VpnMode::kReport) ||
      !vpn_->installed() || !effective_.inspection_interface.empty()) {
    table_verified_.reset();
    return;
  }
  ++counters_["verifications"];
  auto report = verify::VerifyInstalled(effective_);
  if (!report) {
    table_verified_.reset();
    verify_error_ = report.error().ToString();
    return;
  }
  verify_error_.clear();
  const bool was = table_verified_.value_or(true);
  table_verified_ = report->proved;
  if (report->proved) {
    if (!was) events_->Emit("verify", {{"proved", true}, {"when", when}});
    return;
  }
  ++counters_["verify_failures"];
  nlohmann::json event = {{"proved", false},
                          {"when", when},
                          {"counterexamples", report->counterexamples},
                          {"note", "the table is replaced"}};
  events_->Emit("verify", std::move(event));
  pending_drift_.push_back({Drift{"inet netwarden", "changed"}, vpn_->name()});
  vpn_->MarkDrifted();
  RequestReconcile("verification failed (" + when + ")");
}

void Agent::OnNftChanges() {
  const NftChanges changes = nft_monitor_->ReadPending();
  if (!changes.any()) return;
  // Someone else committed a change to one of our tables: check it within milliseconds (after
  // the rest of their batch burst has arrived).
  if (changes.overrun) nft_resync_all_ = true;
  for (const auto& table : changes.tables) {
    nft_resync_planes_.insert(table == "netwarden_threats" ? "threats" : "vpn");
  }
  loop_->Rearm(nft_resync_timer_, 20ms);
}

void Agent::OnResolvConfChanged() {
  auto resolvers = ReadNameservers(options_.resolv_conf);
  if (resolvers == resolvers_) return;
  resolvers_ = std::move(resolvers);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& address : resolvers_) list.push_back(address.ToString());
  events_->Emit("resolvers", {{"nameservers", list}, {"source", options_.resolv_conf}});
  // Names are asked again through the new resolvers (e.g. the VPN's, once the tunnel is up).
  for (auto& [name, cached] : names_) cached.refresh_at = Clock::now();
  RequestReconcile("resolv.conf changed");
  StartDueResolutions();
}

}  // namespace netwarden::agent
