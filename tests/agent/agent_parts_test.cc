// Agent parts that need no kernel: packet decoding for events, resolv.conf, the event sink's
// rate limit, and the control socket's request/response and peer check.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/control_socket.h"
#include "agent/event_loop.h"
#include "agent/event_sink.h"
#include "agent/nflog_source.h"
#include "agent/quiet_commit_kernel.h"
#include "agent/resolv_conf.h"
#include "../threats/fake_threat_kernel.h"

namespace netwarden::agent {
namespace {

// One scratch directory per test process, removed when the process ends.
struct ScratchDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("nw-agent-test-" + std::to_string(getpid()));
  ScratchDir() { std::filesystem::create_directories(path); }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

std::filesystem::path TempDir() {
  static ScratchDir scratch;
  return scratch.path;
}

TEST(DescribePacket, Ipv4Tcp) {
  const unsigned char packet[] = {0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 192, 168, 1, 10,
                                  192, 0, 2, 80, 0xc3, 0x50, 0, 80};
  auto described = DescribePacket(packet, sizeof(packet));
  EXPECT_EQ(described["protocol"], "tcp");
  EXPECT_EQ(described["source"], "192.168.1.10");
  EXPECT_EQ(described["destination"], "192.0.2.80");
  EXPECT_EQ(described["source_port"], 50000);
  EXPECT_EQ(described["destination_port"], 80);
}

TEST(DescribePacket, Ipv6UdpAndGarbage) {
  unsigned char packet[48] = {0x60};
  packet[6] = 17;
  packet[8] = 0x20, packet[9] = 0x01, packet[10] = 0x0d, packet[11] = 0xb8, packet[23] = 1;
  packet[24] = 0x20, packet[25] = 0x01, packet[26] = 0x0d, packet[27] = 0xb8, packet[39] = 2;
  packet[42] = 0, packet[43] = 53;
  auto described = DescribePacket(packet, sizeof(packet));
  EXPECT_EQ(described["protocol"], "udp");
  EXPECT_EQ(described["source"], "2001:db8::1");
  EXPECT_EQ(described["destination_port"], 53);
  const unsigned char short_packet[] = {0x45, 0};
  EXPECT_TRUE(DescribePacket(short_packet, sizeof(short_packet)).empty());
  EXPECT_TRUE(DescribePacket(short_packet, 0).empty());
}

TEST(ResolvConf, Nameservers) {
  const auto path = TempDir() / "resolv.conf";
  std::ofstream(path) << "# comment\nsearch example\nnameserver 192.168.1.1\n"
                         "nameserver fe80::1%eth0\nnameserver bogus\noptions ndots:2\n";
  auto servers = ReadNameservers(path);
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0].ToString(), "192.168.1.1");
  EXPECT_EQ(servers[1].ToString(), "fe80::1");
  EXPECT_TRUE(ReadNameservers("/nonexistent/resolv.conf").empty());
}

TEST(EventSink, RateLimitsBlockedPacketsAndCountsTheRest) {
  const auto path = TempDir() / "events.jsonl";
  std::filesystem::remove(path);
  {
    EventSink sink(path, /*use_syslog=*/false, /*packets_per_second=*/0.001, /*burst=*/3);
    for (int i = 0; i < 10; ++i) sink.Emit("blocked", {{"n", i}});
    sink.Emit("state", {{"state", "blocked"}});  // never rate-limited
    EXPECT_EQ(sink.emitted(), 4u);
    EXPECT_EQ(sink.suppressed(), 7u);
  }
  std::ifstream in(path);
  std::string line, last;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    last = line;
  }
  EXPECT_EQ(lines, 4);
  auto event = nlohmann::json::parse(last);
  EXPECT_EQ(event["event"], "state");
  EXPECT_EQ(event["suppressed_before"], 7);
}

TEST(ControlSocket, RequestResponse) {
  const std::string path = (TempDir() / "ctl.sock").string();
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop);
  auto server = ControlServer::Open(path, std::nullopt,
                                    [](const nlohmann::json& request, const Peer& peer) {
                                      return nlohmann::json{{"ok", true},
                                                            {"echo", request["command"]},
                                                            {"root", peer.is_root()}};
                                    });
  ASSERT_TRUE(server) << server.error().ToString();
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // The agent's wiring: the server's own loop nested in the agent's.
  (void)(*loop)->WatchReadable((*server)->fd(), [&] { (*server)->AcceptOne(); });
  std::thread client([&] {
    auto response = CallAgent(path, {{"command", "status"}});
    (*loop)->Post([&] { (*loop)->Stop(); });
    ASSERT_TRUE(response) << response.error().ToString();
    EXPECT_EQ((*response)["echo"], "status");
    EXPECT_EQ((*response)["root"], geteuid() == 0);
  });
  (*loop)->Run();
  client.join();
  EXPECT_FALSE(CallAgent(path + ".absent", {{"command", "status"}}));
}

TEST(EventLoop, TimersAndPostedWork) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop);
  int fired = 0;
  EventLoop::TimerId timer = (*loop)->After(std::chrono::milliseconds(5), [&] { ++fired; });
  (*loop)->Rearm(timer, std::chrono::milliseconds(1));
  std::thread worker([&] { (*loop)->Post([&] { (*loop)->Stop(); }); });
  (*loop)->After(std::chrono::milliseconds(20), [&] {});
  (*loop)->Run();
  worker.join();
  EXPECT_LE(fired, 1);
}

// The agent's own notifications are paused around a big commit only, and always resumed, also
// when the kernel refuses the commit.
TEST(QuietCommitKernel, PausesNotificationsAroundBigCommitsOnly) {
  auto fake = std::make_unique<threats::FakeThreatKernel>();
  threats::FakeThreatKernel* inner = fake.get();
  int pauses = 0, resumes = 0;
  QuietCommitKernel kernel(std::move(fake),
                           {[&] { ++pauses; }, [&] { ++resumes; }},
                           /*threshold=*/3);
  ThreatPolicy policy;
  policy.feeds.push_back(ThreatFeed{});
  policy.feeds.back().name = "f";
  ASSERT_TRUE(kernel.EnsureSets(policy));
  threats::SetUpdate small{threats::SetName("f", IpFamily::kV4, false), false, false, {}, {}};
  small.add = {*IpNetwork::Parse("192.0.2.1/32"), *IpNetwork::Parse("192.0.2.2/32")};
  ASSERT_TRUE(kernel.CommitSetUpdates({small}));
  EXPECT_EQ(pauses, 0);
  threats::SetUpdate big = small;
  big.add = {*IpNetwork::Parse("192.0.2.3/32"), *IpNetwork::Parse("192.0.2.4/32"),
             *IpNetwork::Parse("192.0.2.5/32")};
  ASSERT_TRUE(kernel.CommitSetUpdates({big}));
  EXPECT_EQ(pauses, 1);
  EXPECT_EQ(resumes, 1);
  inner->fail_commits = 1;
  big.add = {*IpNetwork::Parse("192.0.2.6/32"), *IpNetwork::Parse("192.0.2.7/32"),
             *IpNetwork::Parse("192.0.2.8/32")};
  EXPECT_FALSE(kernel.CommitSetUpdates({big}));
  EXPECT_EQ(pauses, 2);
  EXPECT_EQ(resumes, 2);
}

}  // namespace
}  // namespace netwarden::agent
