#pragma once
// The per-program firewall's manager (docs/APPFW.md): the `apps:` rules and the gateways'
// `program:` guards, compiled to the kernel's tables, installed in pinned BPF maps and links.
//
// The agent owns it like the other planes' managers: SetDesired() from the reconcile step (the
// gateway host names come from the agent's resolver cache, so nftables and BPF see the same
// addresses), Apply() when dirty, Resync() from a timer. Besides, on the agent's event loop:
//   watch_fd() readable, or a timer      -> Rescan()      (a rule's binary replaced or created)
//   event_fd() readable                  -> ReadEvents()  (verdict events -> agent events)
// Nothing here blocks. The kernel (AppFwKernel) and the file system (ExeResolver) are injected.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agent/manager.h"
#include "appfw/agent.h"
#include "appfw/program_watcher.h"
#include "core/ip.h"
#include "policy/policy.h"

namespace netwarden::agent {

struct AppsManagerOptions {
  std::string cgroup;                             // attach point; empty = the cgroup-v2 root
  std::string pin_dir = "/sys/fs/bpf/netwarden";  // bpffs directory of our pins
  bool log_allow = false;                         // events for allowed flows too
  std::chrono::milliseconds rescan{2000};         // re-stat the programs at least this often
};

class AppsManager final : public Manager {
 public:
  // On the real kernel (libbpf) and file system. Fails when this build has no eBPF support or
  // no cgroup-v2 hierarchy is mounted (with an empty `cgroup`). Touches nothing in the kernel.
  static Result<std::unique_ptr<AppsManager>> Create(AppsManagerOptions options);

  AppsManager(AppsManagerOptions options, std::unique_ptr<appfw::AppFwKernel> kernel,
              std::unique_ptr<appfw::ExeResolver> resolver);

  const char* name() const override { return "apps"; }
  bool dirty() const override;
  Direction pending_direction() const override;
  Result<void> Apply() override;
  Result<std::vector<Drift>> Resync() override;

  // The plane's desired state: the policy's `apps:` and gateways' `program:`, with the gateways'
  // host names resolved by the agent (name -> addresses). A policy with neither means "no
  // per-program firewall": Apply removes our links and pins (or installs nothing).
  void SetDesired(const Policy& policy,
                  const std::map<std::string, std::vector<IpAddress>>& resolved_names);

  // Non-blocking: re-resolves the rules' programs when their directories changed (watch_fd())
  // or `rescan` has passed since the last time; a new (device, inode) is added to the tables in
  // force. Returns the paths that changed (empty most of the time).
  Result<std::vector<std::string>> Rescan();
  int watch_fd() const { return watcher_.fd(); }

  // Readable while verdict events are pending (-1 if events cannot be read).
  int event_fd() const { return event_fd_; }
  // Reads the pending verdict events (at most 4096 per call; the rest keeps event_fd() readable)
  // and hands each over as an agent event: "event" ("blocked", "would-block" in report mode,
  // "allowed" with log_allow), "plane": "apps", "rule", "action", "verdict" ("eperm" | "drop"),
  // "hook", "protocol", "destination" (outbound) or "source" (inbound), "destination_port",
  // "program", "pid", "uid", "kernel_time". The caller emits it with kind = its "event".
  void ReadEvents(const std::function<void(nlohmann::json)>& on_event);

  // For `netwarden status`: enabled, mode ("enforce" | "report"), installed generation, counts,
  // attached hooks, programs waiting to exist, last_error.
  nlohmann::json Status() const;

  // Detaches the programs and removes every pin (the plane off). The manager is clean after it
  // until the next SetDesired that asks for rules.
  Result<void> Remove();

  // What the last successful install did (generation, adopted pins), for `appfw apply`.
  const appfw::InstallReport& last_install() const { return last_install_; }

  // The compiled tables last handed in (for explain): empty tables when the plane is off.
  const appfw::CompiledTables& desired_tables() const { return desired_ ? *desired_ : empty_; }

 private:
  AppsManagerOptions options_;
  std::unique_ptr<appfw::AppFwKernel> kernel_;
  std::unique_ptr<appfw::ExeResolver> resolver_;
  appfw::AppFwAgent agent_;
  appfw::ProgramWatcher watcher_;
  int event_fd_ = -1;

  bool desired_known_ = false;                    // SetDesired was called
  std::optional<appfw::CompiledTables> desired_;  // nullopt: the plane is off
  bool applied_known_ = false;                    // this manager applied (or removed) at least once
  std::optional<appfw::CompiledTables> applied_;  // nullopt: nothing of ours in the kernel
  bool leftovers_ = false;                        // pins of an earlier agent were found at start
  bool drift_ = false;
  bool failed_ = false;  // the last Apply or Rescan failed
  std::string last_error_;
  appfw::InstallReport last_install_;
  appfw::KernelStatus kernel_status_;  // refreshed by Apply and Resync
  appfw::CompiledTables empty_;
};

}  // namespace netwarden::agent
