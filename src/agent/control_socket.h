#pragma once
// The agent's control socket: one JSON request line in, one JSON response line out, over a Unix
// socket that only root (and optionally one group) may use. The server checks the peer's
// credentials itself (SO_PEERCRED) rather than trusting file permissions alone.
//
// Clients are served without ever blocking the agent's loop: non-blocking sockets on an
// EventLoop, buffered reads, a deadline for the request (a client that trickles bytes is
// dropped), a bounded request size, replies written as the socket takes them, a bounded number
// of clients and a request budget per uid. Requests are type-checked before the handler runs,
// and nothing the handler throws leaves the server.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "agent/event_loop.h"
#include "agent/uid_rate_limit.h"
#include "core/result.h"

namespace netwarden::agent {

inline constexpr const char* kDefaultControlPath = "/run/netwarden.sock";

struct Peer {
  uid_t uid = 0;
  gid_t gid = 0;
  bool is_root() const { return uid == 0; }
  bool in_control_group = false;
};

struct ControlLimits {
  std::chrono::milliseconds request_deadline{1000};  // from accept to the request's newline
  std::chrono::milliseconds reply_deadline{5000};    // to write the answer after that
  size_t max_request_bytes = 64 * 1024;
  size_t max_clients = 64;         // connections being served at once
  size_t max_clients_per_uid = 8;  // of one non-root uid
  double requests_per_second = 5;  // per non-root uid, refilled ...
  double request_burst = 20;       // ... up to this many
  bool limit_root = false;         // tests only: root is not rate-limited
};

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& request, const Peer& peer)>;

  // Serves on `loop` (the agent's): nothing else to wire.
  static Result<std::unique_ptr<ControlServer>> Open(const std::string& path,
                                                     std::optional<gid_t> group, Handler handler,
                                                     EventLoop& loop, ControlLimits limits = {});
  // Serves on a loop of its own, nested in the caller's: watch fd() for readability and call
  // AcceptOne() when it is readable (the agent's wiring before the loop was passed in).
  static Result<std::unique_ptr<ControlServer>> Open(const std::string& path,
                                                     std::optional<gid_t> group, Handler handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Nested mode: the private loop's fd and one turn of it. With an outside loop: the listening
  // socket (already watched) and a no-op.
  int fd() const { return own_loop_ ? own_loop_->fd() : listen_fd_; }
  void AcceptOne();

  size_t clients() const { return clients_.size(); }

 private:
  struct Client;
  ControlServer(int listen_fd, std::string path, std::optional<gid_t> group, Handler handler,
                EventLoop& loop, ControlLimits limits);
  static Result<std::unique_ptr<ControlServer>> Create(const std::string& path,
                                                       std::optional<gid_t> group, Handler handler,
                                                       EventLoop* loop,
                                                       std::unique_ptr<EventLoop> own_loop,
                                                       ControlLimits limits);
  void AcceptPending();
  void OnClientReady(int fd);
  void Answer(Client& client);
  nlohmann::json Respond(const Client& client);
  bool WriteReply(Client& client);  // true: finished with it (all written, or it went away)
  void Drop(int fd);
  void ArmDeadlineTimer();
  void DropExpired();

  std::unique_ptr<EventLoop> own_loop_;  // nested mode only; declared first, destroyed last
  int listen_fd_;
  std::string path_;
  std::optional<gid_t> group_;
  Handler handler_;
  EventLoop& loop_;
  ControlLimits limits_;
  UidRateLimit rate_;
  std::map<int, std::unique_ptr<Client>> clients_;
  EventLoop::TimerId deadline_timer_ = 0;
};

// Client side, used by the CLI: sends `request`, returns the agent's response.
Result<nlohmann::json> CallAgent(const std::string& path, const nlohmann::json& request);

}  // namespace netwarden::agent
