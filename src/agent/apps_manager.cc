#include "agent/apps_manager.h"

#include "appfw/compile.h"
#ifdef NETWARDEN_HAVE_BPF
#include "appfw/libbpf_kernel.h"
#endif

namespace netwarden::agent {
namespace {

// Enough to keep one loop turn short; what is left keeps event_fd() readable.
constexpr size_t kEventsPerRead = 4096;

// The plane exists when the policy names a program anywhere.
bool WantsAppFirewall(const Policy& policy) {
  if (policy.apps.present) return true;
  for (const Gateway& gateway : policy.gateways) {
    if (!gateway.program.empty()) return true;
  }
  return false;
}

const char* EventKind(const appfw::AppEvent& event) {
  if (event.would_block) return "would-block";
  return event.action == AppAction::kDeny ? "blocked" : "allowed";
}

nlohmann::json ToAgentEvent(const appfw::AppEvent& event) {
  nlohmann::json out = {{"event", EventKind(event)},
                        {"plane", "apps"},
                        {"rule", event.rule},
                        {"action", AppActionName(event.action)},
                        {"hook", event.hook},
                        {"protocol", event.protocol},
                        {"destination_port", event.port},
                        {"program", event.program},
                        {"uid", event.uid},
                        {"kernel_time", event.time}};
  if (event.action == AppAction::kDeny && !event.would_block) {
    out["verdict"] = event.hook == "ingress" ? "drop" : "eperm";  // what the program saw
  }
  if (event.hook == "ingress") {
    out["source"] = event.remote;  // an inbound request: the remote is its sender
  } else if (!event.remote.empty()) {
    out["destination"] = event.remote;
  }
  if (event.pid != 0) out["pid"] = event.pid;  // inbound packets have no process
  return out;
}

}  // namespace

Result<std::unique_ptr<AppsManager>> AppsManager::Create(AppsManagerOptions options) {
#ifdef NETWARDEN_HAVE_BPF
  if (options.cgroup.empty()) {
    auto mount = appfw::FindCgroup2Mount();
    if (!mount) return mount.error();
    options.cgroup = *mount;
  }
  auto kernel = std::make_unique<appfw::LibbpfKernel>(options.cgroup, options.pin_dir);
  return std::make_unique<AppsManager>(std::move(options), std::move(kernel),
                                       std::make_unique<appfw::LstatExeResolver>());
#else
  (void)options;
  return MakeError(ErrorCode::kUnsupported,
                   "this netwarden was built without eBPF support (bpftool, clang, libbpf, BTF)");
#endif
}

AppsManager::AppsManager(AppsManagerOptions options, std::unique_ptr<appfw::AppFwKernel> kernel,
                         std::unique_ptr<appfw::ExeResolver> resolver)
    : options_(std::move(options)),
      kernel_(std::move(kernel)),
      resolver_(std::move(resolver)),
      agent_(*kernel_, *resolver_),
      watcher_(options_.rescan) {
  // Read only: what an earlier agent left is adopted (or removed) by the first Apply.
  if (auto status = kernel_->Status(); status) {
    kernel_status_ = *status;
    leftovers_ = status->installed;
  }
  event_fd_ = kernel_->EventFd();
}

void AppsManager::SetDesired(const Policy& policy,
                             const std::map<std::string, std::vector<IpAddress>>& resolved_names) {
  desired_known_ = true;
  if (!WantsAppFirewall(policy)) {
    desired_.reset();
    return;
  }
  desired_ = appfw::CompileApps(policy, resolved_names);
}

bool AppsManager::dirty() const {
  if (!desired_known_) return false;
  if (failed_ || drift_) return true;
  if (!applied_known_) return desired_.has_value() || leftovers_;
  return desired_ != applied_;
}

Direction AppsManager::pending_direction() const {
  if (!dirty()) return Direction::kNone;
  if (!desired_) return Direction::kLoosens;  // every rule goes
  const bool nothing_in_kernel = applied_known_ ? !applied_.has_value() : !leftovers_;
  // With nothing installed everything passes: any tables allow a subset of that.
  return nothing_in_kernel ? Direction::kTightens : Direction::kMixed;
}

Result<void> AppsManager::Apply() {
  if (!desired_) return Remove();
  auto installed = agent_.Apply(*desired_, options_.log_allow);
  if (!installed) {
    failed_ = true;
    last_error_ = installed.error().ToString();
    return installed.error();
  }
  last_install_ = *installed;
  applied_ = desired_;
  applied_known_ = true;
  leftovers_ = drift_ = failed_ = false;
  last_error_.clear();
  watcher_.Watch(applied_->programs);
  if (auto status = kernel_->Status(); status) kernel_status_ = *status;
  return Ok();
}

Result<void> AppsManager::Remove() {
  if (auto flushed = kernel_->Flush(); !flushed) {
    failed_ = true;
    last_error_ = flushed.error().ToString();
    return flushed.error();
  }
  applied_.reset();
  applied_known_ = true;
  leftovers_ = drift_ = failed_ = false;
  last_error_.clear();
  watcher_.Watch({});
  kernel_status_ = {};
  return Ok();
}

Result<std::vector<Drift>> AppsManager::Resync() {
  std::vector<Drift> drift;
  if (!applied_) return drift;  // nothing of ours is meant to be in the kernel
  auto found = kernel_->Check();
  if (!found) return found.error();
  for (auto& item : *found) drift.push_back({std::move(item.object), std::move(item.found)});
  if (!drift.empty()) drift_ = true;
  return drift;  // (no Status() here: counting 10,000 entries every second is not free)
}

Result<std::vector<std::string>> AppsManager::Rescan() {
  const bool due = watcher_.Due(appfw::ProgramWatcher::Clock::now());
  if (!due || !applied_) return std::vector<std::string>{};
  auto changed = agent_.Refresh();
  if (!changed) {
    failed_ = true;  // the next Apply writes a complete generation again
    last_error_ = changed.error().ToString();
  }
  return changed;
}

void AppsManager::ReadEvents(const std::function<void(nlohmann::json)>& on_event) {
  auto read = kernel_->DrainEvents(
      [&](const appfw::AppEvent& event) { on_event(ToAgentEvent(event)); }, kEventsPerRead);
  if (!read) last_error_ = read.error().ToString();
}

nlohmann::json AppsManager::Status() const {
  nlohmann::json out = {{"enabled", desired_.has_value()},
                        {"installed", kernel_status_.installed},
                        {"dirty", dirty()},
                        {"cgroup", options_.cgroup},
                        {"pin", options_.pin_dir}};
  if (desired_) {
    out["mode"] = desired_->report ? "report" : "enforce";  // for status' "modes"
    out["default"] = AppActionName(desired_->default_action);
    out["rules"] = desired_->rules.size();
    out["programs"] = desired_->programs.size();
    out["missing_programs"] = agent_.MissingPrograms();
  }
  if (kernel_status_.installed) {
    out["generation"] = kernel_status_.generation;
    out["executables"] = kernel_status_.exes;
    out["rule_entries"] = kernel_status_.rule_entries;
    out["listen_entries"] = kernel_status_.listen_entries;
    out["guards"] = kernel_status_.guards;
    nlohmann::json hooks = nlohmann::json::array();
    for (const auto& program : kernel_status_.programs) hooks.push_back(program.hook);
    out["attached"] = hooks;
  }
  if (!last_error_.empty()) out["last_error"] = last_error_;
  return out;
}

}  // namespace netwarden::agent
