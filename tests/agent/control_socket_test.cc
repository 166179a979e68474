// The control socket under hostile clients (issue 14, item 2), over real Unix sockets: a client
// that trickles bytes or never reads its answer must not hold up anybody else, wrong-typed
// requests are answered, not thrown, and each uid has a request budget.
#include "agent/control_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>

#include "agent/control_request.h"
#include "agent/event_loop.h"
#include "agent/uid_rate_limit.h"

namespace netwarden::agent {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string SocketPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("nw-ctl-" + std::to_string(getpid()) + "-" + name + ".sock"))
      .string();
}

int Connect(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

// Sends `text` as it is and returns the answer line ("" when the server closed without one).
std::string RawCall(const std::string& path, const std::string& text) {
  const int fd = Connect(path);
  if (fd < 0) return "";
  (void)!send(fd, text.data(), text.size(), MSG_NOSIGNAL);
  shutdown(fd, SHUT_WR);  // end of input: a request without its newline is complete too
  std::string answer;
  char buffer[4096];
  ssize_t n;
  while (answer.find('\n') == std::string::npos && (n = read(fd, buffer, sizeof(buffer))) > 0) {
    answer.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return answer.substr(0, answer.find('\n'));
}

nlohmann::json Answer(const std::string& path, const std::string& text) {
  return nlohmann::json::parse(RawCall(path, text), nullptr, false);
}

// The agent's handler reads fields with json::value(), which throws on a wrong type; this one
// does the same, and "throw" makes it throw outright.
nlohmann::json AgentLikeHandler(const nlohmann::json& request, const Peer&) {
  const std::string command = request.value("command", "");
  if (command == "throw") return {{"ok", true}, {"x", request.at("absent")}};
  if (command == "big") return {{"ok", true}, {"blob", std::string(4 * 1024 * 1024, 'x')}};
  return {{"ok", true},
          {"command", command},
          {"port", request.value("port", 0)},
          {"uid", request.value("uid", 0u)}};
}

// A server on an EventLoop that runs on its own thread, as the agent's loop does.
struct RunningServer {
  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<ControlServer> server;
  std::thread thread;
  std::string path;

  explicit RunningServer(const std::string& name, ControlLimits limits = {})
      : path(SocketPath(name)) {
    auto created = EventLoop::Create();
    EXPECT_TRUE(created);
    loop = std::move(*created);
    auto opened = ControlServer::Open(path, std::nullopt, AgentLikeHandler, *loop, limits);
    EXPECT_TRUE(opened) << opened.error().ToString();
    server = std::move(*opened);
    thread = std::thread([this] { loop->Run(); });
  }
  ~RunningServer() {
    loop->Post([this] { loop->Stop(); });
    thread.join();
    server.reset();
  }
};

TEST(ControlSocket, StatusAnswersWhileAnotherClientTricklesAndTheTricklerIsDropped) {
  RunningServer running("trickle");
  std::atomic<bool> trickler_dropped{false};
  std::atomic<long long> dropped_after_ms{-1};
  std::thread trickler([&] {
    const int fd = Connect(running.path);
    ASSERT_GE(fd, 0);
    const auto connected = Clock::now();
    const std::string request = "{\"command\": \"status\", \"padding\": \"" + std::string(200, 'p');
    for (char c : request) {
      if (send(fd, &c, 1, MSG_NOSIGNAL) != 1) break;
      char answer;
      // The server closing is seen as EOF (or a reset) on a non-blocking peek.
      const ssize_t n = recv(fd, &answer, 1, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        trickler_dropped = true;
        break;
      }
      std::this_thread::sleep_for(50ms);
      if (Clock::now() - connected > 4s) break;
    }
    if (!trickler_dropped) {
      char answer;
      trickler_dropped = read(fd, &answer, 1) <= 0;
    }
    dropped_after_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - connected).count();
    close(fd);
  });
  std::this_thread::sleep_for(200ms);
  const auto asked = Clock::now();
  auto status = CallAgent(running.path, {{"command", "status"}});
  const auto answered_in = Clock::now() - asked;
  ASSERT_TRUE(status) << status.error().ToString();
  EXPECT_EQ((*status)["command"], "status");
  EXPECT_LT(answered_in, 2s);
  trickler.join();
  EXPECT_TRUE(trickler_dropped);
  EXPECT_GE(dropped_after_ms.load(), 900);
  EXPECT_LE(dropped_after_ms.load(), 2500);  // 1 s deadline, generous for a loaded machine
}

TEST(ControlSocket, WrongTypesAreAnsweredNotThrown) {
  RunningServer running("types");
  struct Case {
    const char* request;
    const char* error;
  };
  const Case cases[] = {
      {"{\"command\": 1}\n", "'command' must be a string"},
      {"{\"command\": null}\n", "'command' must be a string"},
      {"{\"command\": \"explain\", \"port\": \"80\"}\n", "'port' must be an integer 0..65535"},
      {"{\"command\": \"explain\", \"port\": 70000}\n", "'port' must be an integer 0..65535"},
      {"{\"command\": \"explain\", \"uid\": -1}\n", "'uid' must be a user id"},
      {"{\"command\": \"portal\", \"seconds\": \"5m\"}\n", "'seconds' must be an integer"},
      {"{\"command\": \"explain\", \"destination\": [1]}\n", "'destination' must be a string"},
      {"{\"port\": 1}\n", "request has no 'command'"},
      {"[1, 2]\n", "request is not a JSON object"},
      {"not json at all\n", "request is not a JSON object"},
      {"{\"command\": \"throw\"}\n", "bad request"},
  };
  for (const Case& c : cases) {
    const auto answer = Answer(running.path, c.request);
    ASSERT_TRUE(answer.is_object()) << c.request;
    EXPECT_EQ(answer["ok"], false) << c.request;
    EXPECT_NE(answer.value("error", "").find(c.error), std::string::npos)
        << c.request << " -> " << answer.dump();
  }
  // The loop is alive and well-typed requests still work (no newline, then end of input).
  const auto fine =
      Answer(running.path, "{\"command\": \"explain\", \"port\": 443, \"uid\": 1000}");
  EXPECT_EQ(fine["ok"], true);
  EXPECT_EQ(fine["port"], 443);
  EXPECT_EQ(fine["uid"], 1000);
}

TEST(ControlSocket, OversizedRequestIsRefused) {
  ControlLimits limits;
  limits.max_request_bytes = 1024;
  RunningServer running("big", limits);
  const auto answer = Answer(running.path, std::string(4096, '{'));
  EXPECT_EQ(answer["ok"], false);
  EXPECT_NE(answer.value("error", "").find("request larger than 1024 bytes"), std::string::npos);
}

TEST(ControlSocket, AClientThatNeverReadsItsAnswerHoldsUpNobody) {
  ControlLimits limits;
  limits.reply_deadline = 500ms;
  RunningServer running("noread", limits);
  const int lazy = Connect(running.path);
  ASSERT_GE(lazy, 0);
  const std::string request = "{\"command\": \"big\"}\n";
  ASSERT_EQ(send(lazy, request.data(), request.size(), MSG_NOSIGNAL), ssize_t(request.size()));
  std::this_thread::sleep_for(100ms);
  const auto asked = Clock::now();
  auto status = CallAgent(running.path, {{"command", "status"}});
  ASSERT_TRUE(status) << status.error().ToString();
  EXPECT_LT(Clock::now() - asked, 2s);
  // After the reply deadline the lazy client is gone: reading drains what was sent, then ends.
  std::this_thread::sleep_for(800ms);
  std::string received;
  char buffer[65536];
  ssize_t n;
  while ((n = read(lazy, buffer, sizeof(buffer))) > 0) received.append(buffer, size_t(n));
  close(lazy);
  EXPECT_LT(received.size(), 4u * 1024 * 1024);  // it never got the whole answer
}

TEST(ControlSocket, ConnectionsBeyondTheLimitAreClosed) {
  ControlLimits limits;
  limits.max_clients = 2;
  RunningServer running("many", limits);
  const int first = Connect(running.path);
  const int second = Connect(running.path);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(RawCall(running.path, "{\"command\": \"status\"}\n"), "");  // closed, no answer
  close(first);
  close(second);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(Answer(running.path, "{\"command\": \"status\"}\n")["ok"], true);
}

TEST(ControlSocket, RequestsBeyondTheUidBudgetAreRefused) {
  ControlLimits limits;
  limits.limit_root = true;  // the test may run as root, which is otherwise not limited
  limits.request_burst = 3;
  limits.requests_per_second = 0.001;
  RunningServer running("rate", limits);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Answer(running.path, "{\"command\": \"status\"}\n")["ok"], true) << i;
  }
  const auto refused = Answer(running.path, "{\"command\": \"status\"}\n");
  EXPECT_EQ(refused["ok"], false);
  EXPECT_NE(refused.value("error", "").find("too many requests from uid"), std::string::npos);
}

TEST(UidRateLimit, BucketPerUidRefillsAndRootIsExempt) {
  UidRateLimit limit(/*per_second=*/2, /*burst=*/2);
  const auto start = Clock::time_point{} + 1h;
  EXPECT_TRUE(limit.Allow(1000, start));
  EXPECT_TRUE(limit.Allow(1000, start));
  EXPECT_FALSE(limit.Allow(1000, start));
  EXPECT_TRUE(limit.Allow(1001, start));  // another user has its own budget
  EXPECT_FALSE(limit.Allow(1000, start + 400ms));
  EXPECT_TRUE(limit.Allow(1000, start + 600ms));  // 1.2 tokens back
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limit.Allow(0, start));
  UidRateLimit strict(1, 1, /*limit_root=*/true);
  EXPECT_TRUE(strict.Allow(0, start));
  EXPECT_FALSE(strict.Allow(0, start));
  // Many uids: full buckets are forgotten, the budget of a busy one is kept.
  for (uid_t uid = 2000; uid < 2400; ++uid) (void)limit.Allow(uid, start + 600ms);
  EXPECT_FALSE(limit.Allow(1000, start + 600ms));
}

TEST(ControlRequest, AcceptsWhatTheCliSends) {
  EXPECT_TRUE(CheckControlRequest({{"command", "status"}}));
  EXPECT_TRUE(CheckControlRequest({{"command", "explain"},
                                   {"protocol", "tcp"},
                                   {"destination", "192.0.2.1"},
                                   {"port", 443},
                                   {"source_port", 0},
                                   {"uid", 4294967294u},
                                   {"output_interface", ""}}));
  EXPECT_TRUE(CheckControlRequest({{"command", "portal"}, {"seconds", 300}}));
  EXPECT_FALSE(CheckControlRequest({{"command", "portal"}, {"seconds", 1.5}}));
}

}  // namespace
}  // namespace netwarden::agent
