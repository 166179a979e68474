#include "agent/control_socket.h"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "agent/control_request.h"

namespace netwarden::agent {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Connections taken per readiness of the listening socket; the rest wait for the next turn so
// that other inputs of the loop are served in between.
constexpr int kAcceptsPerTurn = 16;

Result<sockaddr_un> AddressOf(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return MakeError(ErrorCode::kInvalidArgument, "control socket path too long: " + path);
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

bool UserInGroup(uid_t uid, gid_t primary, gid_t group) {
  if (primary == group) return true;
  const passwd* user = getpwuid(uid);
  if (!user) return false;
  int count = 64;
  std::vector<gid_t> groups(count);
  if (getgrouplist(user->pw_name, primary, groups.data(), &count) < 0) return false;
  groups.resize(count);
  return std::find(groups.begin(), groups.end(), group) != groups.end();
}

nlohmann::json Refusal(const std::string& message) { return {{"ok", false}, {"error", message}}; }

}  // namespace

struct ControlServer::Client {
  int fd;
  Peer peer;
  std::string request;  // bytes received so far
  std::string reply;    // empty until the request is complete
  size_t written = 0;
  Clock::time_point deadline;
  ~Client() { close(fd); }
};

Result<std::unique_ptr<ControlServer>> ControlServer::Open(const std::string& path,
                                                           std::optional<gid_t> group,
                                                           Handler handler, EventLoop& loop,
                                                           ControlLimits limits) {
  return Create(path, group, std::move(handler), &loop, nullptr, limits);
}

Result<std::unique_ptr<ControlServer>> ControlServer::Open(const std::string& path,
                                                           std::optional<gid_t> group,
                                                           Handler handler) {
  auto own = EventLoop::Create();
  if (!own) return own.error();
  return Create(path, group, std::move(handler), nullptr, std::move(*own), ControlLimits{});
}

Result<std::unique_ptr<ControlServer>> ControlServer::Create(const std::string& path,
                                                             std::optional<gid_t> group,
                                                             Handler handler, EventLoop* loop,
                                                             std::unique_ptr<EventLoop> own_loop,
                                                             ControlLimits limits) {
  auto address = AddressOf(path);
  if (!address) return address.error();
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  unlink(path.c_str());  // a stale socket of a killed agent
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  const mode_t previous = umask(0177);
  const bool bound =
      fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&*address), sizeof(sockaddr_un)) == 0;
  umask(previous);
  if (!bound || listen(fd, 16) != 0) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) close(fd);
    return MakeError(ErrorCode::kIo, "control socket " + path + ": " + reason);
  }
  if (group) {
    if (chown(path.c_str(), 0, *group) != 0 || chmod(path.c_str(), 0660) != 0) {
      close(fd);
      return MakeError(ErrorCode::kIo, "control socket " + path + ": cannot grant group access");
    }
  }
  EventLoop& serving = loop ? *loop : *own_loop;
  std::unique_ptr<ControlServer> server(
      new ControlServer(fd, path, group, std::move(handler), serving, limits));
  server->own_loop_ = std::move(own_loop);
  ControlServer* raw = server.get();
  if (auto watched = serving.WatchReadable(fd, [raw] { raw->AcceptPending(); }); !watched) {
    return watched.error();
  }
  server->deadline_timer_ = serving.After(24h, [raw] { raw->DropExpired(); });
  return server;
}

ControlServer::ControlServer(int listen_fd, std::string path, std::optional<gid_t> group,
                             Handler handler, EventLoop& loop, ControlLimits limits)
    : listen_fd_(listen_fd),
      path_(std::move(path)),
      group_(group),
      handler_(std::move(handler)),
      loop_(loop),
      limits_(limits),
      rate_(limits.requests_per_second, limits.request_burst, limits.limit_root) {}

ControlServer::~ControlServer() {
  // The loop may outlive us: no callback of ours may stay on it.
  for (const auto& [fd, client] : clients_) loop_.Unwatch(fd);
  clients_.clear();
  if (deadline_timer_) loop_.Cancel(deadline_timer_);
  loop_.Unwatch(listen_fd_);
  close(listen_fd_);
  unlink(path_.c_str());
}

void ControlServer::AcceptOne() {
  if (own_loop_) own_loop_->RunReady();
}

void ControlServer::AcceptPending() {
  for (int i = 0; i < kAcceptsPerTurn; ++i) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) break;
    auto client = std::make_unique<Client>();
    client->fd = fd;
    client->deadline = Clock::now() + limits_.request_deadline;
    ucred credentials{};
    socklen_t size = sizeof(credentials);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) continue;  // closed
    client->peer = Peer{credentials.uid, credentials.gid, false};
    client->peer.in_control_group =
        group_ && UserInGroup(client->peer.uid, client->peer.gid, *group_);
    const size_t same_uid =
        static_cast<size_t>(std::count_if(clients_.begin(), clients_.end(), [&](const auto& entry) {
          return entry.second->peer.uid == client->peer.uid;
        }));
    const bool over_capacity = clients_.size() >= limits_.max_clients ||
                               (!client->peer.is_root() && same_uid >= limits_.max_clients_per_uid);
    if (over_capacity || !loop_.WatchReadable(fd, [this, fd] { OnClientReady(fd); })) {
      continue;  // closed by ~Client: the caller sees the connection end without an answer
    }
    clients_.emplace(fd, std::move(client));
  }
  ArmDeadlineTimer();
}

void ControlServer::OnClientReady(int fd) {
  auto found = clients_.find(fd);
  if (found == clients_.end()) return;
  Client& client = *found->second;
  if (!client.reply.empty()) {
    if (WriteReply(client)) Drop(fd);
    return;
  }
  char buffer[4096];
  while (client.reply.empty()) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // End of input: a request without its newline still counts; nothing at all does not.
      if (client.request.empty()) {
        Drop(fd);
        return;
      }
      Answer(client);
      break;
    }
    const size_t before = client.request.size();
    client.request.append(buffer, static_cast<size_t>(n));
    const size_t newline = client.request.find('\n', before);
    if (newline != std::string::npos) {
      client.request.resize(newline);
      Answer(client);
    } else if (client.request.size() > limits_.max_request_bytes) {
      client.request.clear();
      client.reply =
          Refusal("request larger than " + std::to_string(limits_.max_request_bytes) + " bytes")
              .dump() +
          "\n";
      client.deadline = Clock::now() + limits_.reply_deadline;
    }
  }
  if (WriteReply(client)) Drop(fd);
  ArmDeadlineTimer();
}

void ControlServer::Answer(Client& client) {
  client.reply = Respond(client).dump() + "\n";
  client.request.clear();
  client.request.shrink_to_fit();
  client.deadline = Clock::now() + limits_.reply_deadline;
}

nlohmann::json ControlServer::Respond(const Client& client) {
  const Peer& peer = client.peer;
  // The request is read even when refusing, so the caller gets the answer rather than a reset.
  if (!peer.is_root() && !peer.in_control_group) {
    return Refusal("permission denied: root or the control group only");
  }
  if (!rate_.Allow(peer.uid, Clock::now())) {
    return Refusal("too many requests from uid " + std::to_string(peer.uid) + "; try again later");
  }
  auto request = nlohmann::json::parse(client.request, nullptr, /*allow_exceptions=*/false);
  if (auto checked = CheckControlRequest(request); !checked) {
    return Refusal(checked.error().message);
  }
  // The last line of defence: the handler runs on the agent's loop, and an exception there
  // would stop every input of the agent.
  try {
    return handler_(request, peer);
  } catch (const std::exception& error) {
    return Refusal(std::string("bad request: ") + error.what());
  } catch (...) {
    return Refusal("bad request");
  }
}

bool ControlServer::WriteReply(Client& client) {
  while (client.written < client.reply.size()) {
    const ssize_t n = send(client.fd, client.reply.data() + client.written,
                           client.reply.size() - client.written, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // The rest when the socket takes it; a client that never reads meets its deadline.
      return !loop_.AlsoWhenWritable(client.fd, true);
    }
    if (n <= 0) return true;  // gone
    client.written += static_cast<size_t>(n);
  }
  return true;
}

void ControlServer::Drop(int fd) {
  loop_.Unwatch(fd);
  clients_.erase(fd);
}

void ControlServer::ArmDeadlineTimer() {
  if (clients_.empty()) {
    loop_.Rearm(deadline_timer_, 24h);
    return;
  }
  Clock::time_point earliest = Clock::time_point::max();
  for (const auto& [fd, client] : clients_) earliest = std::min(earliest, client->deadline);
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(earliest - Clock::now());
  loop_.Rearm(deadline_timer_, std::max(wait + 1ms, 1ms));
}

void ControlServer::DropExpired() {
  const auto now = Clock::now();
  std::vector<int> expired;
  for (const auto& [fd, client] : clients_) {
    if (client->deadline <= now) expired.push_back(fd);
  }
  for (int fd : expired) Drop(fd);
  ArmDeadlineTimer();
}

Result<nlohmann::json> CallAgent(const std::string& path, const nlohmann::json& request) {
  auto address = AddressOf(path);
  if (!address) return address.error();
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&*address), sizeof(sockaddr_un)) != 0) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) close(fd);
    return MakeError(ErrorCode::kIo, "cannot reach the agent at " + path + ": " + reason);
  }
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  const std::string text = request.dump() + "\n";
  size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  // Buffered: the answer of `status` can be large.
  std::string line;
  char buffer[16384];
  constexpr size_t kMaxAnswer = 64 * 1024 * 1024;
  while (line.find('\n') == std::string::npos && line.size() < kMaxAnswer) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    line.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  line = line.substr(0, line.find('\n'));
  auto response = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!response.is_object()) {
    return MakeError(ErrorCode::kIo, "the agent at " + path + " gave no answer");
  }
  return response;
}

}  // namespace netwarden::agent
