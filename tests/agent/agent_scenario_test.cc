// The whole agent without root or a kernel (issue 10 item 7): its dependencies are fakes — the
// network (snapshots pushed by the test), the forced-VPN table (a stateful fake kernel), the trust
// prober and the name lookups — and it runs its real event loop, control socket and reconcile.
// Scenarios replay sequences of network states (as given, reversed, with "no network" between)
// and after every step the fake kernel must hold exactly what compiling the agent's live
// situation from scratch gives, and that situation must be the one the step describes.
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "../threats/fake_threat_kernel.h"
#include "agent/agent.h"
#include "compiler/compiler.h"
#include "dataplane/nft/nft_renderer.h"
#include "fake_dataplane.h"
#include "policy/policy_parser.h"
#include "threats/threat_ruleset.h"

namespace netwarden::agent {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class FakeNetwork final : public NetworkSource {
 public:
  FakeNetwork() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~FakeNetwork() override { close(fd_); }
  int notification_fd() const override { return fd_; }
  bool DrainNotifications() override {
    uint64_t count = 0;
    return read(fd_, &count, sizeof(count)) == sizeof(count);
  }
  Result<NetworkSnapshot> Snapshot() override {
    std::lock_guard<std::mutex> lock(mutex_);
    return snapshot_;
  }
  void Push(NetworkSnapshot snapshot) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      snapshot_ = std::move(snapshot);
    }
    const uint64_t one = 1;
    (void)!write(fd_, &one, sizeof(one));
  }

 private:
  int fd_;
  std::mutex mutex_;
  NetworkSnapshot snapshot_;
};

// The in-memory threat kernel behind a lock: the agent's loop thread writes it, the test reads.
class LockedThreatKernel final : public threats::ThreatKernel {
  template <typename F>
  auto Locked(F call) {
    std::lock_guard<std::mutex> lock(mutex_);
    return call();
  }

 public:
  explicit LockedThreatKernel(std::mutex& mutex) : mutex_(mutex) {}
  threats::FakeThreatKernel fake;  // read under the mutex

  Result<bool> TableExists() override { return Locked([&] { return fake.TableExists(); }); }
  Result<void> EnsureSets(const ThreatPolicy& threats) override {
    return Locked([&] { return fake.EnsureSets(threats); });
  }
  Result<threats::BatchStats> CommitSetUpdates(
      const std::vector<threats::SetUpdate>& updates) override {
    return Locked([&] { return fake.CommitSetUpdates(updates); });
  }
  Result<void> ReplaceRules(const ThreatPolicy& threats,
                            const threats::StaleObjects& stale) override {
    return Locked([&] { return fake.ReplaceRules(threats, stale); });
  }
  Result<std::string> SetInspectRouting(const std::string& interface) override {
    return Locked([&] { return fake.SetInspectRouting(interface); });
  }
  Result<void> DeleteTable() override { return Locked([&] { return fake.DeleteTable(); }); }
  Result<threats::TableSnapshot> Read(bool count_elements) override {
    return Locked([&] { return fake.Read(count_elements); });
  }

 private:
  std::mutex& mutex_;
};

// Packet logs the test fills: an eventfd wakes the agent's loop, ReadPending() hands the queue.
class FakePacketLog final : public PacketLog {
 public:
  explicit FakePacketLog(PacketHandler handler)
      : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), handler_(std::move(handler)) {}
  ~FakePacketLog() override { close(fd_); }
  int fd() const override { return fd_; }
  void ReadPending() override {
    uint64_t count = 0;
    (void)!read(fd_, &count, sizeof(count));
    std::vector<nlohmann::json> packets;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      packets.swap(queue_);
    }
    for (auto& packet : packets) handler_(std::move(packet));
  }
  void Push(nlohmann::json packet) {  // from the test's thread
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(packet));
    }
    const uint64_t one = 1;
    (void)!write(fd_, &one, sizeof(one));
  }

 private:
  int fd_;
  PacketHandler handler_;
  std::mutex mutex_;
  std::vector<nlohmann::json> queue_;
};

InterfaceState Interface(const std::string& name, const std::string& address, int prefix) {
  return InterfaceState{name, {{*IpAddress::Parse(address), prefix}}};
}

struct Step {
  std::string name;
  NetworkSnapshot network;
  std::string expected_state;  // the agent's state name once it has acted
};

std::vector<Step> Steps() {
  NetworkSnapshot home{{Interface("wlan0", "192.168.1.10", 24)}, {}};
  NetworkSnapshot tunnel = home;
  tunnel.interfaces.push_back(Interface("wg0", "10.99.0.2", 32));
  NetworkSnapshot office{{Interface("eth0", "10.20.0.10", 24)}, {}};
  NetworkSnapshot branch{{Interface("eth1", "10.30.0.10", 16)}, {}};
  return {{"none", {}, "no-network"},
          {"home", home, "blocked"},
          {"tunnel", tunnel, "tunnel"},
          {"office", office, "trusted"},
          {"branch", branch, "trusted"}};
}

class AgentScenario : public ::testing::Test {
 protected:
  // Appended to examples/policy.yaml (a subclass adds threat feeds).
  virtual std::string PolicyTail() const { return ""; }

  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nw-scenario-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "resolv.conf") << "nameserver 192.168.1.1\n";
    {
      std::ifstream example(std::string(NETWARDEN_SOURCE_DIR) + "/examples/policy.yaml");
      std::ofstream policy(dir_ / "policy.yaml");
      policy << example.rdbuf() << PolicyTail();
    }
    auto network = std::make_unique<FakeNetwork>();
    auto kernel = std::make_unique<testing::FakeDataplane>();
    network_ = network.get();
    kernel_ = kernel.get();
    AgentDeps deps;
    deps.dataplane = std::move(kernel);
    deps.network = std::move(network);
    // The office's probe server answers with the pinned certificate only on eth0.
    deps.prober = [](const ProbeTarget&, const std::string& interface, std::chrono::milliseconds) {
      return ProbeOutcome{interface == "eth0",
                          interface == "eth0" ? "pinned" : "wrong certificate"};
    };
    auto threat_kernel = std::make_unique<LockedThreatKernel>(threat_mutex_);
    threat_kernel_ = threat_kernel.get();
    deps.threat_kernel = std::move(threat_kernel);
    deps.lookup = [this](const std::string& name, const std::vector<IpAddress>&,
                         std::chrono::milliseconds) -> Result<Resolution> {
      if (name == "vpn.example.net") {
        std::lock_guard<std::mutex> lock(threat_mutex_);
        return Resolution{{*IpAddress::Parse(gateway_address_)}, 300s};
      }
      if (name == "meet.example.com") return Resolution{{*IpAddress::Parse("192.0.2.99")}, 300s};
      return MakeError(ErrorCode::kNotFound, "no such name");
    };
    deps.packet_logs = [this](uint16_t group,
                              PacketHandler handler) -> Result<std::unique_ptr<PacketLog>> {
      auto log = std::make_unique<FakePacketLog>(std::move(handler));
      packet_logs_[group] = log.get();
      return std::unique_ptr<PacketLog>(std::move(log));
    };
    deps.kernel = false;
    AgentOptions options;
    options.policy_path = (dir_ / "policy.yaml").string();
    options.control_path = (dir_ / "agent.sock").string();
    options.events_path = (dir_ / "events.jsonl").string();
    options.state_path = (dir_ / "state.json").string();
    options.resolv_conf = (dir_ / "resolv.conf").string();
    options.threat_cache = (dir_ / "threats").string();
    options.syslog = false;
    auto agent = Agent::Create(options, std::move(deps));
    ASSERT_TRUE(agent.ok()) << agent.error().ToString();
    agent_ = std::move(*agent);
    runner_ = std::thread([this] { agent_->Run(); });
    policy_ = *LoadPolicyFile(options.policy_path);
  }

  void TearDown() override {
    if (agent_) agent_->Stop();
    if (runner_.joinable()) runner_.join();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  nlohmann::json Call(const nlohmann::json& request) {
    auto answer = CallAgent((dir_ / "agent.sock").string(), request);
    return answer ? *answer : nlohmann::json{{"ok", false}};
  }

  // Waits until the agent reports `state` and has nothing left to apply.
  bool WaitFor(const std::string& state) {
    for (int i = 0; i < 300; ++i) {
      auto status = Call({{"command", "status"}});
      if (status.value("ok", false) && status["status"].value("state", "") == state &&
          status["status"]["planes"]["vpn"].value("in_sync", false)) {
        return true;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  // What a fresh compile of the agent's live situation gives, against the fake kernel. Name
  // answers arrive on their own (worker threads): the agent may be one reconcile behind the
  // situation it reports for a moment, so this waits (at most 2 s) for the two to agree.
  void ExpectKernelEqualsFreshCompile(const std::string& step) {
    // The agent's own compile adds kernel-side expiry to trust and portal elements.
    CompileOptions options;
    options.trust_timeout_seconds = 63;
    options.portal_timeout_seconds = 1;
    std::string held, fresh;
    for (int i = 0; i < 200; ++i) {
      auto answer = Call({{"command", "situation"}});
      ASSERT_TRUE(answer.value("ok", false)) << step;
      auto situation = ParseSituation(answer["situation"].dump(), "(agent)");
      ASSERT_TRUE(situation.ok()) << situation.error().ToString();
      held = kernel_->Held();
      fresh = nft::RenderTable(Compile(Resolve(policy_, *situation), options));
      if (held == fresh) break;
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(held, fresh) << step;
  }

  void Replay(const std::vector<Step>& steps, const std::string& how) {
    for (const auto& step : steps) {
      network_->Push(step.network);
      ASSERT_TRUE(WaitFor(step.expected_state))
          << how << ": " << step.name << " → " << Call({{"command", "status"}}).dump();
      ExpectKernelEqualsFreshCompile(how + ": " + step.name);
    }
  }

  std::string Events() const {
    std::ifstream in(dir_ / "events.jsonl");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // The elements of a threat set in the fake kernel, as text.
  std::set<std::string> ThreatElements(const std::string& set) {
    std::lock_guard<std::mutex> lock(threat_mutex_);
    std::set<std::string> elements;
    const auto found = threat_kernel_->fake.state.sets.find(set);
    if (found == threat_kernel_->fake.state.sets.end()) return {"(no set)"};
    for (const auto& element : found->second.elements) elements.insert(element.ToString());
    return elements;
  }
  // Polls (at most 3 s) until the set holds `want`.
  bool WaitForThreatElements(const std::string& set, const std::set<std::string>& want) {
    for (int i = 0; i < 300; ++i) {
      if (ThreatElements(set) == want) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  // A new answer for the gateway's name, asked again at once (resolv.conf rewritten: the agent
  // re-resolves every name through the new resolvers).
  void MoveGateway(const std::string& address, const std::string& resolver) {
    {
      std::lock_guard<std::mutex> lock(threat_mutex_);
      gateway_address_ = address;
    }
    {
      std::ofstream out(dir_ / "resolv.conf.new");
      out << "nameserver " << resolver << "\n";
    }
    fs::rename(dir_ / "resolv.conf.new", dir_ / "resolv.conf");
  }

  // Polls (at most 2 s) for an event line that contains every one of `parts`.
  bool WaitForEvent(const std::vector<std::string>& parts) {
    for (int i = 0; i < 200; ++i) {
      std::istringstream lines(Events());
      for (std::string line; std::getline(lines, line);) {
        bool all = true;
        for (const auto& part : parts) all = all && line.find(part) != std::string::npos;
        if (all) return true;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  fs::path dir_;
  std::map<uint16_t, FakePacketLog*> packet_logs_;  // written in SetUp (Create) only
  std::mutex threat_mutex_;
  std::string gateway_address_ = "198.51.100.1";  // under threat_mutex_
  LockedThreatKernel* threat_kernel_ = nullptr;
  FakeNetwork* network_ = nullptr;
  testing::FakeDataplane* kernel_ = nullptr;
  std::unique_ptr<Agent> agent_;
  std::thread runner_;
  Policy policy_;
};

TEST_F(AgentScenario, EveryStepEndsWhereAFreshCompileWould) {
  const auto steps = Steps();
  Replay(steps, "as given");
  Replay(std::vector<Step>(steps.rbegin(), steps.rend()), "reversed");
  std::vector<Step> with_none;
  for (const auto& step : steps) {
    with_none.push_back(steps.front());
    with_none.push_back(step);
  }
  Replay(with_none, "no network between");
}

TEST_F(AgentScenario, TrustFollowsTheProbeAndIsDroppedOnLeaving) {
  const auto steps = Steps();
  Replay({steps[3]}, "office");
  auto status = Call({{"command", "status"}});
  EXPECT_EQ(status["status"]["trusted"][0]["interface"], "eth0");
  // Back home on another interface: trust for eth0 is gone at once, not at the next probe.
  Replay({steps[1]}, "home");
  status = Call({{"command", "status"}});
  EXPECT_TRUE(status["status"]["trusted"].empty());
}

TEST_F(AgentScenario, ControlRequestsAreAnsweredAndTheSituationIsComplete) {
  Replay({Steps()[1]}, "home");
  // Names are answered on worker threads: the first answer may come after the state.
  nlohmann::json situation;
  for (int i = 0; i < 200; ++i) {
    situation = Call({{"command", "situation"}});
    if (situation["situation"]["resolved"].contains("vpn.example.net")) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(situation["situation"]["resolved"]["vpn.example.net"][0], "198.51.100.1");
  EXPECT_EQ(situation["situation"]["dns_resolvers"][0], "192.168.1.1");
  auto status = Call({{"command", "status"}});
  EXPECT_EQ(status["status"]["modes"]["vpn"], "enforce");
  EXPECT_TRUE(Call({{"command", "no-such-command"}}).value("ok", true) == false);
}

// Packet logs are an injected input too: a logged packet becomes a `blocked` event of the vpn
// plane with its fields; report mode's packets become `would-block`.
TEST_F(AgentScenario, LoggedPacketsBecomeEvents) {
  Replay({Steps()[1]}, "home");
  ASSERT_TRUE(packet_logs_.count(kDefaultLogGroup));
  packet_logs_[kDefaultLogGroup]->Push({{"rule", "default-block"},
                                        {"protocol", "tcp"},
                                        {"destination", "203.0.113.80"},
                                        {"destination_port", 80}});
  EXPECT_TRUE(WaitForEvent({"\"event\":\"blocked\"", "\"plane\":\"vpn\"",
                            "\"rule\":\"default-block\"", "\"destination\":\"203.0.113.80\""}))
      << Events();
  packet_logs_[kDefaultLogGroup]->Push({{"rule", "default-block"},
                                        {"verdict", "would-block"},
                                        {"protocol", "udp"},
                                        {"destination", "203.0.113.81"},
                                        {"destination_port", 53}});
  EXPECT_TRUE(WaitForEvent({"\"event\":\"would-block\"", "\"plane\":\"vpn\"",
                            "\"destination\":\"203.0.113.81\""}))
      << Events();
}

TEST_F(AgentScenario, ResolvConfChangesAreSeenWithoutANetworkEvent) {
  Replay({Steps()[1]}, "home");
  {
    std::ofstream out(dir_ / "resolv.conf.new");
    out << "nameserver 192.168.1.53\n";
  }
  fs::rename(dir_ / "resolv.conf.new", dir_ / "resolv.conf");
  bool seen = false;
  for (int i = 0; i < 200 && !seen; ++i) {
    auto situation = Call({{"command", "situation"}});
    seen = situation["situation"]["dns_resolvers"].size() == 1 &&
           situation["situation"]["dns_resolvers"][0] == "192.168.1.53";
    if (!seen) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(seen);
  ASSERT_TRUE(WaitFor("blocked"));
  ExpectKernelEqualsFreshCompile("after resolv.conf");
}

// The threat plane through the agent's reconcile, on the in-memory threat kernel: the feed is
// downloaded (file://) on the worker and applied by the reconcile; the VPN gateway's address is
// carved out of the list while it is the gateway, and back in the list once the name moved on —
// each in the same reconcile that changes the forced-VPN table.
class AgentScenarioWithFeed : public AgentScenario {
 protected:
  std::string PolicyTail() const override {
    const fs::path dir = fs::temp_directory_path() / ("nw-scenario-" + std::to_string(getpid()));
    std::ofstream(dir / "feed.txt") << "# lab\n198.51.100.1\n203.0.113.7\n";
    return "threat_feeds:\n  - {name: lab, url: \"file://" + (dir / "feed.txt").string() +
           "\", refresh: 1h, action: block}\n";
  }
};

TEST_F(AgentScenarioWithFeed, FeedsGoThroughTheReconcileAndSpareTheGateway) {
  const std::string set = threats::SetName("lab", IpFamily::kV4, false);
  Replay({Steps()[1]}, "home");
  ASSERT_TRUE(WaitForThreatElements(set, {"203.0.113.7"}))
      << "the gateway 198.51.100.1 must stay out of the list; events:\n" << Events();
  // The gateway's name now answers with the other listed address: it is carved out, and the old
  // one (no longer an endpoint) is blocked again.
  MoveGateway("203.0.113.7", "192.168.1.53");
  EXPECT_TRUE(WaitForThreatElements(set, {"198.51.100.1"})) << ThreatElements(set).size();
  ASSERT_TRUE(WaitFor("blocked"));
  ExpectKernelEqualsFreshCompile("after the gateway moved");
  // A hit logged by the feed's rule names the feed and the covering entry of the held list.
  ASSERT_TRUE(packet_logs_.count(threats::kThreatLogGroup));
  packet_logs_[threats::kThreatLogGroup]->Push({{"rule", "lab"},
                                                {"verdict", "block"},
                                                {"protocol", "tcp"},
                                                {"destination", "198.51.100.1"},
                                                {"destination_port", 443}});
  EXPECT_TRUE(WaitForEvent({"\"event\":\"threat\"", "\"feed\":\"lab\"",
                            "\"entry\":\"198.51.100.1\"", "\"action\":\"block\""}))
      << Events();
  auto status = Call({{"command", "status"}});
  EXPECT_EQ(status["status"]["modes"]["threats"], "enforce");
  EXPECT_EQ(status["status"]["threats"]["feeds"][0]["entries"], 1);
}

}  // namespace
}  // namespace netwarden::agent
