// Kernel-free replay tests of the reconcile path (Felix's "expanders"): sequences of situations
// are applied one after another through the forced-VPN manager onto a stateful fake kernel —
// as given, reversed, each step alone, and with empty situations inserted — and every sequence
// must end with the kernel holding exactly what compiling its last situation from scratch gives.
// Plus the reconciler's ordering, failure and backoff rules with fake managers.
#include <gtest/gtest.h>

#include <functional>

#include "agent/reconciler.h"
#include "agent/vpn_manager.h"
#include "compiler/compiler.h"
#include "fake_dataplane.h"
#include "policy/policy_parser.h"

namespace netwarden::agent {
namespace {

using namespace std::chrono_literals;
using testing::FakeDataplane;

Policy ExamplePolicy() {
  auto policy = LoadPolicyFile(std::string(NETWARDEN_SOURCE_DIR) + "/examples/policy.yaml");
  EXPECT_TRUE(policy.ok()) << policy.error().ToString();
  return *policy;
}

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

InterfaceState Interface(const std::string& name, std::vector<std::string> cidrs) {
  InterfaceState state{name, {}};
  for (const auto& cidr : cidrs) {
    const auto slash = cidr.find('/');
    auto address = IpAddress::Parse(cidr.substr(0, slash));
    EXPECT_TRUE(address.ok()) << cidr;
    state.addresses.push_back({*address, std::stoi(cidr.substr(slash + 1))});
  }
  return state;
}

// The states a laptop goes through, each a complete situation.
std::vector<std::pair<std::string, Situation>> Situations() {
  std::vector<std::pair<std::string, Situation>> all;
  all.push_back({"empty", Situation{}});
  Situation home;
  home.interfaces = {Interface("wlan0", {"192.168.1.10/24", "2001:db8:1::10/64"})};
  home.resolved["vpn.example.net"] = {Ip("198.51.100.1")};
  home.dns_resolvers = {Ip("192.168.1.1")};
  all.push_back({"home", home});
  Situation tunnel = home;
  tunnel.interfaces.push_back(Interface("wg0", {"10.99.0.2/32"}));
  tunnel.resolved["meet.example.com"] = {Ip("192.0.2.99")};
  tunnel.dns_resolvers = {Ip("10.99.0.1")};
  all.push_back({"tunnel", tunnel});
  Situation moved = tunnel;
  moved.resolved["vpn.example.net"] = {Ip("198.51.100.7"), Ip("2001:db8::77")};
  all.push_back({"gateway-moved", moved});
  Situation office;
  office.interfaces = {Interface("eth0", {"10.20.0.10/24"})};
  office.verified_trusted = {{"head-office", "eth0"}};
  office.resolved["vpn.example.net"] = {Ip("198.51.100.1")};
  all.push_back({"office", office});
  Situation branch;
  branch.interfaces = {Interface("eth0", {"10.30.0.10/16"})};
  all.push_back({"branch", branch});
  Situation hotel;
  hotel.interfaces = {Interface("wlan0", {"203.0.113.10/24"})};
  hotel.portal_window_open = true;
  hotel.resolved["login.hotspot.example"] = {Ip("192.0.2.200")};
  all.push_back({"hotel-portal", hotel});
  return all;
}

using Sequence = std::vector<Situation>;

// Felix's expanders: the sequence, reversed, every step alone, and with empty states between.
std::vector<std::pair<std::string, Sequence>> Expand(const Sequence& sequence) {
  std::vector<std::pair<std::string, Sequence>> expanded;
  expanded.push_back({"as given", sequence});
  expanded.push_back({"reversed", Sequence(sequence.rbegin(), sequence.rend())});
  for (size_t i = 0; i < sequence.size(); ++i) {
    expanded.push_back({"step " + std::to_string(i) + " alone", Sequence{sequence[i]}});
  }
  Sequence with_empty;
  for (const auto& situation : sequence) {
    with_empty.push_back(Situation{});
    with_empty.push_back(situation);
  }
  expanded.push_back({"empty states inserted", with_empty});
  return expanded;
}

std::string FromScratch(const Policy& policy, const Situation& situation) {
  return nft::RenderTable(Compile(Resolve(policy, situation)));
}

TEST(ReconcileReplay, EverySequenceEndsWhereAFreshCompileWould) {
  const Policy policy = ExamplePolicy();
  const auto situations = Situations();
  Sequence all;
  for (const auto& [name, situation] : situations) all.push_back(situation);
  // Every ordered pair, and the whole walk.
  std::vector<Sequence> sequences{all};
  for (const auto& [a, first] : situations) {
    for (const auto& [b, second] : situations) sequences.push_back({first, second});
  }
  int checked = 0;
  for (const auto& sequence : sequences) {
    for (const auto& [how, steps] : Expand(sequence)) {
      FakeDataplane kernel;
      VpnManager manager(kernel);
      Reconciler reconciler;
      reconciler.Add(&manager);
      for (const auto& situation : steps) {
        manager.SetDesired(Compile(Resolve(policy, situation)));
        ASSERT_TRUE(reconciler.Reconcile(std::chrono::steady_clock::now()).clean());
        ASSERT_EQ(kernel.Held(), FromScratch(policy, situation)) << how;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(ReconcileReplay, DriftIsFoundAndRepairedByAFullReplacement) {
  const Policy policy = ExamplePolicy();
  const Situation home = Situations()[1].second;
  FakeDataplane kernel;
  VpnManager manager(kernel);
  manager.SetDesired(Compile(Resolve(policy, home)));
  ASSERT_TRUE(manager.Apply().ok());
  auto clean = manager.Resync();
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->empty());
  EXPECT_FALSE(manager.dirty());

  // Someone deletes the table.
  kernel.kernel.reset();
  auto missing = manager.Resync();
  ASSERT_TRUE(missing.ok());
  ASSERT_EQ(missing->size(), 1u);
  EXPECT_EQ((*missing)[0].object, "inet netwarden");
  EXPECT_EQ((*missing)[0].found, "missing");
  EXPECT_TRUE(manager.dirty());
  ASSERT_TRUE(manager.Apply().ok());
  EXPECT_EQ(kernel.Held(), FromScratch(policy, home));

  // Someone widens a set behind our back: same structure, so a set update would keep their rule
  // edits; the repair must replace the whole table.
  kernel.kernel->sets.front().elements.push_back(SetElement{"evil0", {}, Transport::kUdp, 0, 0});
  const int replacements = kernel.replacements;
  auto changed = manager.Resync();
  ASSERT_TRUE(changed.ok());
  ASSERT_EQ(changed->size(), 1u);
  EXPECT_EQ((*changed)[0].found, "changed");
  ASSERT_TRUE(manager.Apply().ok());
  EXPECT_EQ(kernel.replacements, replacements + 1);
  EXPECT_EQ(kernel.Held(), FromScratch(policy, home));
}

TEST(ReconcileReplay, NoVpnSectionMeansNoTable) {
  const Policy policy = ExamplePolicy();
  FakeDataplane kernel;
  VpnManager manager(kernel);
  manager.SetDesired(Compile(Resolve(policy, Situation{})));
  ASSERT_TRUE(manager.Apply().ok());
  EXPECT_FALSE(kernel.Held().empty());
  manager.SetDesired(std::nullopt);
  EXPECT_EQ(manager.pending_direction(), Direction::kLoosens);
  ASSERT_TRUE(manager.Apply().ok());
  EXPECT_TRUE(kernel.Held().empty());
  // A table that appears anyway (an old agent's) is drift, and removed.
  kernel.kernel = Compile(Resolve(policy, Situation{}));
  auto drift = manager.Resync();
  ASSERT_TRUE(drift.ok());
  ASSERT_EQ(drift->size(), 1u);
  ASSERT_TRUE(manager.Apply().ok());
  EXPECT_TRUE(kernel.Held().empty());
}

TEST(CompareRulesets, DirectionOfSituationChanges) {
  const Policy policy = ExamplePolicy();
  const auto situations = Situations();
  const Ruleset home = Compile(Resolve(policy, situations[1].second));
  const Ruleset tunnel = Compile(Resolve(policy, situations[2].second));
  EXPECT_EQ(CompareRulesets(std::nullopt, home), Direction::kTightens);
  EXPECT_EQ(CompareRulesets(home, std::nullopt), Direction::kLoosens);
  EXPECT_EQ(CompareRulesets(home, home), Direction::kNone);
  // Tunnel up: a tunnel interface and more names, but the tunnel's address guard grows too and
  // the network's resolver goes away.
  EXPECT_EQ(CompareRulesets(home, tunnel), Direction::kMixed);
  Situation no_gateway = situations[1].second;
  no_gateway.resolved.clear();
  EXPECT_EQ(CompareRulesets(home, Compile(Resolve(policy, no_gateway))), Direction::kTightens);
  EXPECT_EQ(CompareRulesets(Compile(Resolve(policy, no_gateway)), home), Direction::kLoosens);
}

// A manager that records what happened, for the reconciler's rules.
class FakeManager final : public Manager {
 public:
  FakeManager(const char* name, std::vector<std::string>& log) : name_(name), log_(log) {}
  const char* name() const override { return name_; }
  bool dirty() const override { return dirty_; }
  Direction pending_direction() const override { return direction; }
  Result<void> Apply() override {
    log_.push_back(name_);
    if (fail > 0) {
      --fail;
      return MakeError(ErrorCode::kKernel, "injected");
    }
    dirty_ = false;
    return Ok();
  }
  Result<std::vector<Drift>> Resync() override { return std::vector<Drift>{}; }
  void MarkDirty(Direction d) {
    dirty_ = true;
    direction = d;
  }
  Direction direction = Direction::kNone;
  int fail = 0;

 private:
  const char* name_;
  std::vector<std::string>& log_;
  bool dirty_ = false;
};

TEST(Reconciler, TighteningFirstThenMixedThenLoosening) {
  std::vector<std::string> log;
  FakeManager vpn("vpn", log), threats("threats", log), apps("apps", log);
  Reconciler reconciler;
  reconciler.Add(&vpn);
  reconciler.Add(&threats);
  reconciler.Add(&apps);
  vpn.MarkDirty(Direction::kLoosens);
  threats.MarkDirty(Direction::kMixed);
  apps.MarkDirty(Direction::kTightens);
  auto outcome = reconciler.Reconcile(std::chrono::steady_clock::now());
  EXPECT_TRUE(outcome.clean());
  EXPECT_FALSE(outcome.unordered_mixed);
  EXPECT_EQ(log, (std::vector<std::string>{"apps", "threats", "vpn"}));
}

TEST(Reconciler, AFailedManagerStaysDirtyWithBackoffWhileOthersProceed) {
  std::vector<std::string> log;
  FakeManager vpn("vpn", log), apps("apps", log);
  Reconciler reconciler;
  reconciler.Add(&vpn);
  reconciler.Add(&apps);
  vpn.MarkDirty(Direction::kMixed);
  vpn.fail = 2;
  apps.MarkDirty(Direction::kLoosens);
  const auto start = std::chrono::steady_clock::now();
  auto first = reconciler.Reconcile(start);
  ASSERT_EQ(first.failed.size(), 1u);
  EXPECT_EQ(first.failed[0].manager, "vpn");
  EXPECT_EQ(first.applied, std::vector<std::string>{"apps"});
  EXPECT_TRUE(vpn.dirty());
  EXPECT_EQ(first.retry_in, 250ms);
  // Before the backoff expires nothing is tried again.
  log.clear();
  auto early = reconciler.Reconcile(start + 100ms);
  EXPECT_TRUE(log.empty());
  EXPECT_FALSE(early.clean());
  auto second = reconciler.Reconcile(start + 300ms);
  EXPECT_FALSE(second.clean());
  EXPECT_EQ(second.retry_in, 500ms);
  EXPECT_EQ(reconciler.failures("vpn"), 2);
  auto third = reconciler.Reconcile(start + 900ms);
  EXPECT_TRUE(third.clean());
  EXPECT_EQ(reconciler.failures("vpn"), 0);
}

TEST(Reconciler, TwoMixedChangesAreCounted) {
  std::vector<std::string> log;
  FakeManager vpn("vpn", log), threats("threats", log);
  Reconciler reconciler;
  reconciler.Add(&vpn);
  reconciler.Add(&threats);
  vpn.MarkDirty(Direction::kMixed);
  threats.MarkDirty(Direction::kMixed);
  EXPECT_TRUE(reconciler.Reconcile(std::chrono::steady_clock::now()).unordered_mixed);
  EXPECT_EQ(log, (std::vector<std::string>{"vpn", "threats"}));
}

TEST(RetryDelay, DoublesUpToTenSeconds) {
  EXPECT_EQ(RetryDelay(1), 250ms);
  EXPECT_EQ(RetryDelay(2), 500ms);
  EXPECT_EQ(RetryDelay(3), 1000ms);
  EXPECT_EQ(RetryDelay(20), 10000ms);
}

}  // namespace
}  // namespace netwarden::agent
