#include "agent/control_socket.h"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace netwarden::agent {
namespace {

Result<sockaddr_un> AddressOf(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return MakeError(ErrorCode::kInvalidArgument, "control socket path too long: " + path);
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

void SetTimeouts(int fd, int seconds) {
  timeval tv{seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

std::string ReadLine(int fd, size_t limit) {
  std::string line;
  char c;
  while (line.size() < limit && read(fd, &c, 1) == 1 && c != '\n') line += c;
  return line;
}

void WriteAll(int fd, const std::string& text) {
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = send(fd, text.data() + written, text.size() - written, MSG_NOSIGNAL);
    if (n <= 0) return;
    written += static_cast<size_t>(n);
  }
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

}  // namespace

Result<std::unique_ptr<ControlServer>> ControlServer::Open(const std::string& path,
                                                           std::optional<gid_t> group,
                                                           Handler handler) {
  auto address = AddressOf(path);
  if (!address) return address.error();
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  unlink(path.c_str());  // a stale socket of a killed agent
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  const mode_t previous = umask(0177);
  const bool bound = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&*address),
                                     sizeof(sockaddr_un)) == 0;
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
  return std::unique_ptr<ControlServer>(new ControlServer(fd, path, group, std::move(handler)));
}

ControlServer::~ControlServer() {
  close(fd_);
  unlink(path_.c_str());
}

void ControlServer::AcceptOne() {
  const int client = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return;
  SetTimeouts(client, 2);
  ucred credentials{};
  socklen_t size = sizeof(credentials);
  nlohmann::json response;
  if (getsockopt(client, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) {
    response = {{"ok", false}, {"error", "cannot read peer credentials"}};
  } else {
    Peer peer{credentials.uid, credentials.gid, false};
    peer.in_control_group = group_ && UserInGroup(peer.uid, peer.gid, *group_);
    // Read the request even when refusing, so the caller gets the answer rather than a reset.
    const std::string line = ReadLine(client, 64 * 1024);
    if (!peer.is_root() && !peer.in_control_group) {
      response = {{"ok", false}, {"error", "permission denied: root or the control group only"}};
    } else {
      auto request = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      response = request.is_object()
                     ? handler_(request, peer)
                     : nlohmann::json{{"ok", false}, {"error", "request is not a JSON object"}};
    }
  }
  WriteAll(client, response.dump() + "\n");
  close(client);
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
  SetTimeouts(fd, 10);
  WriteAll(fd, request.dump() + "\n");
  const std::string line = ReadLine(fd, 4 * 1024 * 1024);
  close(fd);
  auto response = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!response.is_object()) {
    return MakeError(ErrorCode::kIo, "the agent at " + path + " gave no answer");
  }
  return response;
}

}  // namespace netwarden::agent
