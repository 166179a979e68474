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
#include <mutex>
#include <thread>

#include "agent/agent.h"
#include "compiler/compiler.h"
#include "dataplane/nft/nft_renderer.h"
#include "fake_dataplane.h"
#include "policy/policy_parser.h"

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
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nw-scenario-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "resolv.conf") << "nameserver 192.168.1.1\n";
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
    deps.lookup = [](const std::string& name, const std::vector<IpAddress>&,
                     std::chrono::milliseconds) -> Result<Resolution> {
      if (name == "vpn.example.net") return Resolution{{*IpAddress::Parse("198.51.100.1")}, 300s};
      if (name == "meet.example.com") return Resolution{{*IpAddress::Parse("192.0.2.99")}, 300s};
      return MakeError(ErrorCode::kNotFound, "no such name");
    };
    deps.kernel = false;
    AgentOptions options;
    options.policy_path = std::string(NETWARDEN_SOURCE_DIR) + "/examples/policy.yaml";
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

  fs::path dir_;
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
  auto situation = Call({{"command", "situation"}});
  EXPECT_EQ(situation["situation"]["resolved"]["vpn.example.net"][0], "198.51.100.1");
  EXPECT_EQ(situation["situation"]["dns_resolvers"][0], "192.168.1.1");
  auto status = Call({{"command", "status"}});
  EXPECT_EQ(status["status"]["modes"]["vpn"], "enforce");
  EXPECT_TRUE(Call({{"command", "no-such-command"}}).value("ok", true) == false);
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

}  // namespace
}  // namespace netwarden::agent
