// appfw_manager_driver: runs agent::AppsManager on the real kernel the way the agent's loop does
// (until `netwarden agent` is wired to it): apply, watch_fd -> Rescan, event_fd -> ReadEvents,
// a 200 ms timer -> Resync and repair, SIGHUP -> reload. One JSON line per happening on stdout.
//
//   appfw_manager_driver POLICY --cgroup DIR --pin DIR [--measure-resync N]
//   --measure-resync N: after the first apply, times N Resync() calls (what the agent's
//   drift check costs per period) and prints {"event": "resync-cost", "microseconds": ...}.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent/apps_manager.h"
#include "policy/policy_parser.h"

namespace {

using netwarden::agent::AppsManager;

void Say(nlohmann::json line) { std::cout << line.dump() << std::endl; }

bool Load(const std::string& path, AppsManager& manager) {
  auto policy = netwarden::LoadPolicyFile(path);
  if (!policy) {
    Say({{"event", "error"}, {"message", policy.error().ToString()}});
    return false;
  }
  manager.SetDesired(*policy, {});
  return true;
}

void ApplyIfDirty(AppsManager& manager, const char* why) {
  if (!manager.dirty()) return;
  auto applied = manager.Apply();
  Say({{"event", applied ? "applied" : "error"},
       {"why", why},
       {"status", manager.Status()},
       {"message", applied ? "" : applied.error().ToString()}});
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  netwarden::agent::AppsManagerOptions options;
  std::string policy_path;
  int measure_resync = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--cgroup" && i + 1 < args.size()) {
      options.cgroup = args[++i];
    } else if (args[i] == "--pin" && i + 1 < args.size()) {
      options.pin_dir = args[++i];
    } else if (args[i] == "--measure-resync" && i + 1 < args.size()) {
      measure_resync = std::stoi(args[++i]);
    } else {
      policy_path = args[i];
    }
  }
  if (policy_path.empty() || options.cgroup.empty()) {
    std::cerr << "usage: appfw_manager_driver POLICY --cgroup DIR --pin DIR\n";
    return 2;
  }
  auto created = AppsManager::Create(options);
  if (!created) {
    std::cerr << created.error().ToString() << "\n";
    return 1;
  }
  AppsManager& manager = **created;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  if (!Load(policy_path, manager)) return 2;
  ApplyIfDirty(manager, "start");
  if (measure_resync > 0) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < measure_resync; ++i) (void)manager.Resync();
    const std::chrono::duration<double, std::micro> spent =
        std::chrono::steady_clock::now() - start;
    Say({{"event", "resync-cost"}, {"microseconds", spent.count() / measure_resync}});
  }

  using Clock = std::chrono::steady_clock;
  auto next_resync = Clock::now();
  while (true) {
    pollfd fds[3] = {
        {signal_fd, POLLIN, 0}, {manager.watch_fd(), POLLIN, 0}, {manager.event_fd(), POLLIN, 0}};
    poll(fds, 3, 100);
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      if (read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
        if (info.ssi_signo == SIGTERM) return 0;
        if (Load(policy_path, manager)) ApplyIfDirty(manager, "reload");
      }
    }
    if (auto changed = manager.Rescan(); changed && !changed->empty()) {
      Say({{"event", "re-resolved"}, {"programs", *changed}});
    }
    manager.ReadEvents([](nlohmann::json event) { Say(std::move(event)); });
    if (Clock::now() >= next_resync) {
      next_resync = Clock::now() + std::chrono::milliseconds(200);
      auto drift = manager.Resync();
      if (drift && !drift->empty()) {
        const bool repaired = static_cast<bool>(manager.Apply());
        for (const auto& item : *drift) {
          Say({{"event", "drift"},
               {"object", item.object},
               {"found", item.found},
               {"repaired", repaired}});
        }
      }
      ApplyIfDirty(manager, "retry");
    }
  }
}
