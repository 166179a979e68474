#pragma once
// The agent's control socket: one JSON request line in, one JSON response line out, over a Unix
// socket that only root (and optionally one group) may use. The server checks the peer's
// credentials itself (SO_PEERCRED) rather than trusting file permissions alone.

#include <sys/types.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/result.h"

namespace netwarden::agent {

inline constexpr const char* kDefaultControlPath = "/run/netwarden.sock";

struct Peer {
  uid_t uid = 0;
  gid_t gid = 0;
  bool is_root() const { return uid == 0; }
  bool in_control_group = false;
};

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& request, const Peer& peer)>;
  static Result<std::unique_ptr<ControlServer>> Open(const std::string& path,
                                                     std::optional<gid_t> group, Handler handler);
  ~ControlServer();
  int fd() const { return fd_; }
  void AcceptOne();

 private:
  ControlServer(int fd, std::string path, std::optional<gid_t> group, Handler handler)
      : fd_(fd), path_(std::move(path)), group_(group), handler_(std::move(handler)) {}
  int fd_;
  std::string path_;
  std::optional<gid_t> group_;
  Handler handler_;
};

// Client side, used by the CLI: sends `request`, returns the agent's response.
Result<nlohmann::json> CallAgent(const std::string& path, const nlohmann::json& request);

}  // namespace netwarden::agent
