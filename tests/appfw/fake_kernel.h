#pragma once
// An AppFwKernel and an ExeResolver without a kernel or files, for the agent's and the apps
// manager's unit tests: records what would be installed, injects failures, drift and events.

#include <gtest/gtest.h>

#include <map>

#include "appfw/kernel.h"

namespace netwarden::appfw {

class FakeKernel : public AppFwKernel {
 public:
  Result<InstallReport> Install(const CompiledTables& tables, const Identities& identities,
                                bool log_allow) override {
    ++installs;
    if (fail_next) {
      fail_next = false;
      return MakeError(ErrorCode::kKernel, "injected");
    }
    installed = identities;
    installed_tables = tables;
    installed_log_allow = log_allow;
    present = true;
    drift.clear();
    return InstallReport{++generation, generation > 1, tables.rule_entries.size()};
  }
  Result<void> AddExe(uint32_t gen, uint32_t app_id, ExeId exe) override {
    EXPECT_EQ(gen, generation);
    installed[app_id].push_back(exe);
    return Ok();
  }
  Result<KernelStatus> Status() override {
    KernelStatus status;
    status.installed = present;
    status.generation = present ? generation : 0;
    return status;
  }
  Result<void> Flush() override {
    ++flushes;
    present = false;
    installed.clear();
    return Ok();
  }
  Result<void> ReadEvents(const std::function<void(const AppEvent&)>&, bool,
                          const std::function<bool()>&) override {
    return Ok();
  }
  Result<std::vector<KernelDrift>> Check() override { return drift; }
  int EventFd() override { return 42; }
  Result<size_t> DrainEvents(const std::function<void(const AppEvent&)>& on_event,
                             size_t max) override {
    size_t read = 0;
    while (!events.empty() && read < max) {
      on_event(events.front());
      events.erase(events.begin());
      ++read;
    }
    return read;
  }

  Identities installed;
  CompiledTables installed_tables;
  bool installed_log_allow = false;
  bool present = false;  // pins exist
  uint32_t generation = 0;
  int installs = 0, flushes = 0;
  bool fail_next = false;
  std::vector<KernelDrift> drift;
  std::vector<AppEvent> events;
};

class FakeFiles : public ExeResolver {
 public:
  std::optional<ExeId> Resolve(const std::string& path) override {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, ExeId> files;
};

}  // namespace netwarden::appfw
