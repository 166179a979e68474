// The apps manager (the agent's per-program firewall plane) against a fake kernel and fake
// files: dirty only when the compiled tables change, gateway names from the agent's cache,
// removal when the policy has no apps, drift repaired by the next Apply, events as agent events.
#include "agent/apps_manager.h"

#include <gtest/gtest.h>

#include "fake_kernel.h"
#include "policy/policy_parser.h"

namespace netwarden::agent {
namespace {

using appfw::FakeFiles;
using appfw::FakeKernel;

Policy Parse(const std::string& text) {
  auto policy = ParsePolicy(text, "p.yaml");
  EXPECT_TRUE(policy) << policy.error().ToString();
  return policy ? *policy : Policy{};
}

const char* kApps =
    "version: 1\napps:\n  rules:\n    - {name: a, program: /usr/bin/a, action: deny}\n";
const char* kAppsFlipped =
    "version: 1\napps:\n  rules:\n    - {name: a, program: /usr/bin/a, action: allow}\n";
const char* kNoApps =
    "version: 1\nvpn:\n  gateways:\n    - {address: 192.0.2.1, protocol: udp, port: 51820}\n";
const char* kGuardByName =
    "version: 1\nvpn:\n  gateways:\n"
    "    - {host: vpn.example.com, protocol: udp, port: 51820, program: /usr/bin/wg}\n";

struct Fixture {
  FakeKernel* kernel = nullptr;
  FakeFiles* files = nullptr;
  std::unique_ptr<AppsManager> manager;

  explicit Fixture(bool leftovers = false,
                   std::chrono::milliseconds rescan = std::chrono::hours(1)) {
    auto fake_kernel = std::make_unique<FakeKernel>();
    auto fake_files = std::make_unique<FakeFiles>();
    kernel = fake_kernel.get();
    files = fake_files.get();
    kernel->present = leftovers;
    AppsManagerOptions options;
    options.rescan = rescan;
    manager = std::make_unique<AppsManager>(options, std::move(fake_kernel), std::move(fake_files));
  }
};

TEST(AppsManager, DirtyOnlyWhenTheCompiledTablesChange) {
  Fixture f;
  EXPECT_FALSE(f.manager->dirty());  // no desired state yet
  f.manager->SetDesired(Parse(kApps), {});
  EXPECT_TRUE(f.manager->dirty());
  EXPECT_EQ(f.manager->pending_direction(), Direction::kTightens);  // from nothing
  ASSERT_TRUE(f.manager->Apply());
  EXPECT_FALSE(f.manager->dirty());
  EXPECT_EQ(f.manager->pending_direction(), Direction::kNone);
  EXPECT_EQ(f.kernel->installs, 1);

  f.manager->SetDesired(Parse(kApps), {});  // the same policy again (a reload, a recompute)
  EXPECT_FALSE(f.manager->dirty());
  // The same rules on other lines: the kernel's tables are the same.
  f.manager->SetDesired(Parse(std::string("# moved\n") + kApps), {});
  EXPECT_FALSE(f.manager->dirty());

  f.manager->SetDesired(Parse(kAppsFlipped), {});
  EXPECT_TRUE(f.manager->dirty());
  EXPECT_EQ(f.manager->pending_direction(), Direction::kMixed);
  ASSERT_TRUE(f.manager->Apply());
  EXPECT_EQ(f.kernel->installs, 2);
  EXPECT_EQ(f.kernel->installed_tables.rules.at(0).action, AppAction::kAllow);
}

TEST(AppsManager, GatewayGuardsUseTheAgentsResolvedNames) {
  Fixture f;
  const auto address = *IpAddress::Parse("198.51.100.7");
  f.manager->SetDesired(Parse(kGuardByName), {{"vpn.example.com", {address}}});
  ASSERT_TRUE(f.manager->Apply());
  ASSERT_EQ(f.kernel->installed_tables.guards.size(), 1u);
  EXPECT_EQ(f.kernel->installed_tables.guards[0].first.address, address);

  f.manager->SetDesired(Parse(kGuardByName), {{"vpn.example.com", {address}}});
  EXPECT_FALSE(f.manager->dirty());
  const auto moved = *IpAddress::Parse("198.51.100.8");  // the name now resolves elsewhere
  f.manager->SetDesired(Parse(kGuardByName), {{"vpn.example.com", {moved}}});
  EXPECT_TRUE(f.manager->dirty());
  ASSERT_TRUE(f.manager->Apply());
  EXPECT_EQ(f.kernel->installed_tables.guards[0].first.address, moved);
}

TEST(AppsManager, APolicyWithoutAppsRemovesThePlane) {
  Fixture f;
  f.manager->SetDesired(Parse(kApps), {});
  ASSERT_TRUE(f.manager->Apply());
  f.manager->SetDesired(Parse(kNoApps), {});
  EXPECT_TRUE(f.manager->dirty());
  EXPECT_EQ(f.manager->pending_direction(), Direction::kLoosens);
  ASSERT_TRUE(f.manager->Apply());
  EXPECT_EQ(f.kernel->flushes, 1);
  EXPECT_FALSE(f.kernel->present);
  EXPECT_FALSE(f.manager->dirty());
  EXPECT_TRUE(f.manager->Resync()->empty());  // nothing of ours is meant to be there
}

TEST(AppsManager, NeverInstallsWithoutApps) {
  Fixture f;
  f.manager->SetDesired(Parse(kNoApps), {});
  EXPECT_FALSE(f.manager->dirty());
  EXPECT_EQ(f.kernel->installs + f.kernel->flushes, 0);
}

TEST(AppsManager, PinsOfAnEarlierAgent) {
  Fixture removed(/*leftovers=*/true);
  removed.manager->SetDesired(Parse(kNoApps), {});
  EXPECT_TRUE(removed.manager->dirty());  // its rules must go
  ASSERT_TRUE(removed.manager->Apply());
  EXPECT_EQ(removed.kernel->flushes, 1);

  Fixture adopted(/*leftovers=*/true);
  adopted.manager->SetDesired(Parse(kApps), {});
  EXPECT_EQ(adopted.manager->pending_direction(), Direction::kMixed);  // unknown old rules
  ASSERT_TRUE(adopted.manager->Apply());
  EXPECT_EQ(adopted.kernel->flushes, 0);  // adopted in place (the kernel swaps, never detaches)
  EXPECT_EQ(adopted.kernel->installs, 1);
}

TEST(AppsManager, DriftMakesItDirtyAndApplyRepairs) {
  Fixture f;
  f.manager->SetDesired(Parse(kApps), {});
  ASSERT_TRUE(f.manager->Apply());
  EXPECT_TRUE(f.manager->Resync()->empty());
  f.kernel->drift = {{"link connect4", "missing"}};
  auto drift = f.manager->Resync();
  ASSERT_TRUE(drift);
  ASSERT_EQ(drift->size(), 1u);
  EXPECT_EQ((*drift)[0].object, "link connect4");
  EXPECT_EQ((*drift)[0].found, "missing");
  EXPECT_TRUE(f.manager->dirty());
  ASSERT_TRUE(f.manager->Apply());
  EXPECT_EQ(f.kernel->installs, 2);
  EXPECT_FALSE(f.manager->dirty());
  EXPECT_TRUE(f.manager->Resync()->empty());
}

TEST(AppsManager, AFailedApplyStaysDirtyAndSaysWhy) {
  Fixture f;
  f.manager->SetDesired(Parse(kApps), {});
  f.kernel->fail_next = true;
  EXPECT_FALSE(f.manager->Apply());
  EXPECT_TRUE(f.manager->dirty());
  EXPECT_EQ(f.manager->Status().value("last_error", ""), "injected");
  ASSERT_TRUE(f.manager->Apply());
  EXPECT_FALSE(f.manager->dirty());
  EXPECT_FALSE(f.manager->Status().contains("last_error"));
}

TEST(AppsManager, RescanFollowsReplacedBinaries) {
  Fixture f(false, std::chrono::milliseconds(0));  // every call is due
  f.files->files["/usr/bin/a"] = {1, 100};
  f.manager->SetDesired(Parse(kApps), {});
  EXPECT_TRUE(f.manager->Rescan()->empty());  // nothing applied yet
  ASSERT_TRUE(f.manager->Apply());
  EXPECT_TRUE(f.manager->Rescan()->empty());
  f.files->files["/usr/bin/a"] = {1, 200};
  EXPECT_EQ(*f.manager->Rescan(), (std::vector<std::string>{"/usr/bin/a"}));
  EXPECT_EQ(f.kernel->installed[1], (std::vector<appfw::ExeId>{{1, 100}, {1, 200}}));
}

TEST(AppsManager, VerdictEventsBecomeAgentEvents) {
  Fixture f;
  appfw::AppEvent out;
  out.hook = "connect";
  out.protocol = "tcp";
  out.remote = "192.0.2.1";
  out.port = 443;
  out.pid = 7;
  out.uid = 1000;
  out.program = "/usr/bin/a";
  out.rule = "a";
  out.action = AppAction::kDeny;
  appfw::AppEvent in = out;
  in.hook = "ingress";
  in.pid = 0;
  appfw::AppEvent report = out;
  report.would_block = true;
  f.kernel->events = {out, in, report};
  std::vector<nlohmann::json> events;
  f.manager->ReadEvents([&](nlohmann::json event) { events.push_back(std::move(event)); });
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["event"], "blocked");
  EXPECT_EQ(events[0]["plane"], "apps");
  EXPECT_EQ(events[0]["rule"], "a");
  EXPECT_EQ(events[0]["destination"], "192.0.2.1");
  EXPECT_EQ(events[0]["destination_port"], 443);
  EXPECT_EQ(events[0]["program"], "/usr/bin/a");
  EXPECT_EQ(events[0]["pid"], 7);
  EXPECT_EQ(events[0]["uid"], 1000);
  EXPECT_EQ(events[0]["protocol"], "tcp");
  EXPECT_EQ(events[0]["verdict"], "eperm");
  EXPECT_EQ(events[1]["source"], "192.0.2.1");  // inbound: the remote sent it
  EXPECT_FALSE(events[1].contains("pid"));
  EXPECT_EQ(events[1]["verdict"], "drop");
  EXPECT_EQ(events[2]["event"], "would-block");
  EXPECT_FALSE(events[2].contains("verdict"));  // nothing was refused
  EXPECT_EQ(f.manager->event_fd(), 42);
}

TEST(AppsManager, Status) {
  Fixture f;
  f.manager->SetDesired(Parse(kApps), {});
  ASSERT_TRUE(f.manager->Apply());
  const auto status = f.manager->Status();
  EXPECT_EQ(status["enabled"], true);
  EXPECT_EQ(status["installed"], true);
  EXPECT_EQ(status["rules"], 1);
  EXPECT_EQ(status["mode"], "enforce");
  f.manager->SetDesired(Parse("version: 1\napps:\n  mode: report\n"), {});
  EXPECT_EQ(f.manager->Status()["mode"], "report");
  EXPECT_EQ(status["missing_programs"], nlohmann::json::array({"/usr/bin/a"}));
}

}  // namespace
}  // namespace netwarden::agent
