// appfw_probe: a tiny client/server whose copies at different paths are "different programs" for
// the app-firewall tests (identity = the executable's device and inode).
//
//   appfw_probe connect tcp|udp ADDR PORT [--from ADDR] [--uid N] [--timeout-ms N]
//       tcp: connect; udp: connect + send. Prints "connected" (TCP handshake done / UDP sent),
//       "eperm" (refused at once by the firewall: EPERM/EACCES), "refused", "timeout" or
//       "error <errno text>".
//   appfw_probe sendto ADDR PORT [--uid N]      unconnected UDP sendto(): "sent" or "eperm"
//   appfw_probe listen tcp|udp PORT [--addr A]  bind (+ listen): "listening" or "eperm"
//   appfw_probe serve PORT [--addr A] [--seconds N]  TCP server answering "hello\n"
//   appfw_probe echo PORT [--addr A] [--seconds N]   UDP server echoing every datagram
//   appfw_probe ask ADDR PORT [--from ADDR] [--timeout-ms N] [--size N]
//       UDP: "answered" or "timeout" (--size: datagram bytes, to make fragments)
//   --ext hbh|dst (connect, ask; IPv6): every packet carries a hop-by-hop or destination
//       options extension header (padding only) before TCP/UDP: inbound rules must still judge it
//   appfw_probe batch [--uid N]   stdin lines "tcp|udp ADDR PORT" -> "deny" when the kernel
//       refused with EPERM, else "allow" (connect for tcp, sendto for udp; no server needed).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
};

bool MakeAddress(const std::string& text, int port, Address& out) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    out.length = sizeof(sockaddr_in);
    out.family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    out.length = sizeof(sockaddr_in6);
    out.family = AF_INET6;
    return true;
  }
  return false;
}

std::string Option(std::vector<std::string>& args, const std::string& name, std::string fallback) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == name) {
      std::string value = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      return value;
    }
  }
  return fallback;
}

bool Refused(int error) { return error == EPERM || error == EACCES; }

// An 8-byte hop-by-hop / destination options header holding only a PadN option; the kernel
// fills in the next-header byte. Sticky on the socket: the TCP handshake carries it too.
bool AddExtensionHeader(int fd, const std::string& kind) {
  if (kind.empty()) return true;
  const unsigned char header[8] = {0, 0, 1, 4, 0, 0, 0, 0};
  const int option = kind == "hbh" ? IPV6_HOPOPTS : IPV6_DSTOPTS;
  return setsockopt(fd, IPPROTO_IPV6, option, header, sizeof(header)) == 0;
}

std::string g_ext;  // --ext

std::string Connect(const std::string& proto, const std::string& addr, int port,
                    const std::string& from, int timeout_ms) {
  Address target;
  if (!MakeAddress(addr, port, target)) return "error bad address";
  const bool tcp = proto == "tcp";
  int fd = socket(target.family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("error ") + std::strerror(errno);
  if (!AddExtensionHeader(fd, g_ext)) return std::string("error ext ") + std::strerror(errno);
  if (!from.empty()) {
    Address source;
    if (!MakeAddress(from, 0, source) ||
        bind(fd, reinterpret_cast<sockaddr*>(&source.storage), source.length) != 0) {
      return std::string("error bind ") + std::strerror(errno);
    }
  }
  if (tcp) fcntl(fd, F_SETFL, O_NONBLOCK);
  int result = connect(fd, reinterpret_cast<sockaddr*>(&target.storage), target.length);
  if (result != 0 && errno != EINPROGRESS) {
    const int error = errno;
    close(fd);
    if (Refused(error)) return "eperm";
    return error == ECONNREFUSED ? "refused" : std::string("error ") + std::strerror(error);
  }
  if (!tcp) {
    const bool sent = send(fd, "x", 1, 0) == 1;
    close(fd);
    return sent ? "connected" : std::string("error ") + std::strerror(errno);
  }
  pollfd entry{fd, POLLOUT, 0};
  if (poll(&entry, 1, timeout_ms) <= 0) {
    close(fd);
    return "timeout";
  }
  int error = 0;
  socklen_t length = sizeof(error);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
  close(fd);
  if (error == 0) return "connected";
  if (Refused(error)) return "eperm";
  return error == ECONNREFUSED ? "refused" : std::string("error ") + std::strerror(error);
}

std::string SendTo(const std::string& addr, int port) {
  Address target;
  if (!MakeAddress(addr, port, target)) return "error bad address";
  int fd = socket(target.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const ssize_t sent =
      sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&target.storage), target.length);
  const int error = errno;
  close(fd);
  if (sent == 1) return "sent";
  return Refused(error) ? "eperm" : std::string("error ") + std::strerror(error);
}

int Bound(const std::string& proto, const std::string& addr, int port) {
  Address local;
  if (!MakeAddress(addr, port, local)) return -1;
  const bool tcp = proto == "tcp";
  int fd = socket(local.family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&local.storage), local.length) != 0 ||
      (tcp && listen(fd, 64) != 0)) {
    const int error = errno;
    close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

int Serve(const std::string& addr, int port, int seconds) {
  int fd = Bound("tcp", addr, port);
  if (fd < 0) {
    std::cout << (Refused(errno) ? "eperm" : std::string("error ") + std::strerror(errno)) << "\n";
    return 1;
  }
  std::cout << "listening" << std::endl;
  alarm(static_cast<unsigned>(seconds));
  while (true) {
    int client = accept(fd, nullptr, nullptr);
    if (client < 0) continue;
    (void)!write(client, "hello\n", 6);
    close(client);
  }
}

int Echo(const std::string& addr, int port, int seconds) {
  int fd = Bound("udp", addr, port);
  if (fd < 0) {
    std::cout << (Refused(errno) ? "eperm" : std::string("error ") + std::strerror(errno)) << "\n";
    return 1;
  }
  std::cout << "listening" << std::endl;
  alarm(static_cast<unsigned>(seconds));
  static char buffer[65536];
  while (true) {
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    const ssize_t size =
        recvfrom(fd, buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&peer), &length);
    if (size > 0)
      sendto(fd, buffer, static_cast<size_t>(size), 0, reinterpret_cast<sockaddr*>(&peer), length);
  }
}

// One datagram to a UDP echo server from an (optional) source address; waits for the echo.
std::string Ask(const std::string& addr, int port, const std::string& from, int timeout_ms,
                size_t size) {
  Address target, source;
  if (!MakeAddress(addr, port, target)) return "error bad address";
  int fd = socket(target.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (!AddExtensionHeader(fd, g_ext)) return std::string("error ext ") + std::strerror(errno);
  if (!from.empty() &&
      (!MakeAddress(from, 0, source) ||
       bind(fd, reinterpret_cast<sockaddr*>(&source.storage), source.length) != 0)) {
    return std::string("error bind ") + std::strerror(errno);
  }
  const std::string payload = size > 4 ? std::string(size, 'p') : "ping";
  if (sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&target.storage),
             target.length) != static_cast<ssize_t>(payload.size())) {
    return Refused(errno) ? "eperm" : std::string("error ") + std::strerror(errno);
  }
  pollfd entry{fd, POLLIN, 0};
  const bool answered = poll(&entry, 1, timeout_ms) > 0;
  close(fd);
  return answered ? "answered" : "timeout";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::string uid = Option(args, "--uid", "");
  const std::string from = Option(args, "--from", "");
  const std::string addr = Option(args, "--addr", "");
  const int timeout_ms = std::atoi(Option(args, "--timeout-ms", "1000").c_str());
  const int seconds = std::atoi(Option(args, "--seconds", "30").c_str());
  const size_t size = static_cast<size_t>(std::atol(Option(args, "--size", "4").c_str()));
  g_ext = Option(args, "--ext", "");
  if (!uid.empty()) {
    const auto id = static_cast<uid_t>(std::atol(uid.c_str()));
    if (setgid(id) != 0 || setuid(id) != 0) {
      std::cout << "error setuid\n";
      return 1;
    }
  }
  const std::string mode = args.empty() ? "" : args[0];
  if (mode == "connect" && args.size() == 4) {
    std::cout << Connect(args[1], args[2], std::atoi(args[3].c_str()), from, timeout_ms) << "\n";
  } else if (mode == "sendto" && args.size() == 3) {
    std::cout << SendTo(args[1], std::atoi(args[2].c_str())) << "\n";
  } else if (mode == "listen" && args.size() == 3) {
    const std::string local = addr.empty() ? "::" : addr;
    const int fd = Bound(args[1], local, std::atoi(args[2].c_str()));
    std::cout << (fd >= 0          ? "listening"
                  : Refused(errno) ? "eperm"
                                   : std::string("error ") + std::strerror(errno))
              << "\n";
  } else if (mode == "serve" && args.size() == 2) {
    return Serve(addr.empty() ? "::" : addr, std::atoi(args[1].c_str()), seconds);
  } else if (mode == "echo" && args.size() == 2) {
    return Echo(addr.empty() ? "::" : addr, std::atoi(args[1].c_str()), seconds);
  } else if (mode == "ask" && args.size() == 3) {
    std::cout << Ask(args[1], std::atoi(args[2].c_str()), from, timeout_ms, size) << "\n";
  } else if (mode == "batch") {
    std::string line;
    while (std::getline(std::cin, line)) {
      std::istringstream fields(line);
      std::string proto, target;
      int port = 0;
      if (!(fields >> proto >> target >> port)) continue;
      const std::string result =
          proto == "tcp" ? Connect("tcp", target, port, "", 50) : SendTo(target, port);
      std::cout << (result == "eperm" ? "deny" : "allow") << "\n";
    }
  } else {
    std::cerr << "usage: see the comment at the top of appfw_probe.cc\n";
    return 2;
  }
  return 0;
}
