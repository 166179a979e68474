// nw_probe: measures what the kernel actually does with a flow, for the network-lab tests.
//
//   nw_probe [--timeout-ms N] [--parallel N] [FILE|-]
//       Reads lines "PROTO DST PORT UID" (proto tcp|udp|icmp; port 0 for icmp; '#' comments and
//       blank lines ignored). For each flow a child process switches to UID (gid = UID, no
//       supplementary groups) and:
//         tcp   connects (non-blocking, poll);
//         udp   sends a DNS-shaped query and waits for any answer (the lab's sinks echo it,
//               dnsmasq answers it);
//         icmp  sends an echo request on a ping socket (needs net.ipv4.ping_group_range).
//       Prints one line per input line, in input order:  VERDICT DETAIL MILLISECONDSms
//         allow    connected / answered
//         reject   refused, unreachable, EPERM/EACCES (failed at once, e.g. an nft reject)
//         timeout  nothing happened within the timeout
//         error    the probe itself could not run (bad line, socket() failed, ...)
//       Flows run in parallel (default 48 at once), so hundreds of flows take seconds.
//
//   nw_probe serve [--port N]
//       The lab's "accept everything" target: a TCP listener that answers any connection with a
//       tiny HTTP/1.0 response, and a UDP echo, on IPv4 and IPv6. The lab redirects every port
//       of a target namespace here (nft redirect), so an allowed flow always succeeds and a TCP
//       reset can only come from the laptop's firewall.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Flow {
  std::string proto;
  std::string dst;
  int port = 0;
  long uid = 0;
  std::string parse_error;
};

struct Target {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = 0;
};

bool MakeTarget(const std::string& dst, int port, Target& t) {
  auto* a4 = reinterpret_cast<sockaddr_in*>(&t.addr);
  auto* a6 = reinterpret_cast<sockaddr_in6*>(&t.addr);
  if (inet_pton(AF_INET, dst.c_str(), &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<uint16_t>(port));
    t.len = sizeof(sockaddr_in);
    t.family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, dst.c_str(), &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(port));
    t.len = sizeof(sockaddr_in6);
    t.family = AF_INET6;
    return true;
  }
  return false;
}

long RemainingMs(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
  return left < 0 ? 0 : left;
}

// errno values that mean "the network (our firewall) said no, at once".
bool IsRejectErrno(int e) {
  return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EACCES ||
         e == EPERM || e == ECONNRESET || e == EPROTO || e == EHOSTDOWN;
}

std::string Verdict(int e, const char* what) {
  std::string name = strerrordesc_np(e) ? strerrordesc_np(e) : "?";
  std::string code = strerrorname_np(e) ? strerrorname_np(e) : std::to_string(e);
  if (IsRejectErrno(e)) return std::string("reject ") + what + ":" + code;
  return std::string("error ") + what + ":" + code + " (" + name + ")";
}

std::string ProbeTcp(const Target& t, int timeout_ms) {
  int fd = socket(t.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Verdict(errno, "socket");
  if (connect(fd, reinterpret_cast<const sockaddr*>(&t.addr), t.len) == 0) {
    close(fd);
    return "allow connected";
  }
  if (errno != EINPROGRESS) {
    int e = errno;
    close(fd);
    return Verdict(e, "connect");
  }
  pollfd p{fd, POLLOUT, 0};
  int r = poll(&p, 1, timeout_ms);
  if (r == 0) {
    close(fd);
    return "timeout no-answer";
  }
  int err = 0;
  socklen_t len = sizeof(err);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  close(fd);
  if (err == 0) return "allow connected";
  return Verdict(err, "connect");
}

// A DNS query for "probe.lab. A": harmless to echo sinks, answered by dnsmasq on port 53.
std::vector<uint8_t> DnsQuery() {
  std::vector<uint8_t> q = {0x4e, 0x57, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  for (const char* label : {"probe", "lab"}) {
    q.push_back(static_cast<uint8_t>(strlen(label)));
    q.insert(q.end(), label, label + strlen(label));
  }
  q.insert(q.end(), {0x00, 0x00, 0x01, 0x00, 0x01});
  return q;
}

// Sends on a connected datagram socket and waits for an answer or an error, resending once a
// second (a first packet can be lost while ARP/ND resolves).
std::string DatagramExchange(int fd, const std::vector<uint8_t>& payload, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto next_send = std::chrono::steady_clock::now();
  uint8_t buf[2048];
  for (;;) {
    if (std::chrono::steady_clock::now() >= next_send) {
      if (send(fd, payload.data(), payload.size(), 0) < 0) {
        int e = errno;
        if (e != EAGAIN) return Verdict(e, "send");
      }
      next_send = std::chrono::steady_clock::now() + std::chrono::milliseconds(1000);
    }
    long wait = std::min(RemainingMs(deadline), RemainingMs(next_send));
    if (RemainingMs(deadline) == 0) return "timeout no-answer";
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(wait));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n >= 0) return "allow answered";
    if (errno == EAGAIN || errno == EINTR) continue;
    return Verdict(errno, "recv");
  }
}

std::string ProbeUdp(const Target& t, int timeout_ms) {
  int fd = socket(t.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Verdict(errno, "socket");
  int one = 1;
  if (t.family == AF_INET)
    setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
  else
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&t.addr), t.len) < 0) {
    int e = errno;
    close(fd);
    return Verdict(e, "connect");
  }
  std::string v = DatagramExchange(fd, DnsQuery(), timeout_ms);
  close(fd);
  return v;
}

std::string ProbeIcmp(const Target& t, int timeout_ms) {
  int proto = t.family == AF_INET ? static_cast<int>(IPPROTO_ICMP) : static_cast<int>(IPPROTO_ICMPV6);
  int fd = socket(t.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd < 0) return Verdict(errno, "socket(ping; check net.ipv4.ping_group_range)");
  int one = 1;
  if (t.family == AF_INET)
    setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
  else
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
  Target dst = t;
  if (t.family == AF_INET)
    reinterpret_cast<sockaddr_in*>(&dst.addr)->sin_port = 0;
  else
    reinterpret_cast<sockaddr_in6*>(&dst.addr)->sin6_port = 0;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&dst.addr), dst.len) < 0) {
    int e = errno;
    close(fd);
    return Verdict(e, "connect");
  }
  std::vector<uint8_t> echo(16, 0x42);
  echo[0] = t.family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
  echo[1] = 0;  // code; checksum, id are filled in by the kernel for ping sockets
  echo[2] = echo[3] = 0;
  echo[6] = 0;
  echo[7] = 1;  // sequence 1
  std::string v = DatagramExchange(fd, echo, timeout_ms);
  close(fd);
  return v;
}

std::string RunFlow(const Flow& f, int timeout_ms) {
  if (!f.parse_error.empty()) return "error " + f.parse_error;
  Target t;
  if (!MakeTarget(f.dst, f.port, t)) return "error bad-address:" + f.dst;
  gid_t gid = static_cast<gid_t>(f.uid);
  if (setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 ||
      setresuid(static_cast<uid_t>(f.uid), static_cast<uid_t>(f.uid),
                static_cast<uid_t>(f.uid)) != 0)
    return Verdict(errno, "setuid");
  if (f.proto == "tcp") return ProbeTcp(t, timeout_ms);
  if (f.proto == "udp") return ProbeUdp(t, timeout_ms);
  if (f.proto == "icmp" || f.proto == "icmpv6") return ProbeIcmp(t, timeout_ms);
  return "error bad-proto:" + f.proto;
}

Flow ParseFlow(const std::string& line) {
  Flow f;
  std::istringstream in(line);
  std::string port, uid, extra;
  if (!(in >> f.proto >> f.dst >> port >> uid) || (in >> extra)) {
    f.parse_error = "bad-line:expected 'PROTO DST PORT UID'";
    return f;
  }
  char* end = nullptr;
  f.port = static_cast<int>(strtol(port.c_str(), &end, 10));
  if (*end || f.port < 0 || f.port > 65535) f.parse_error = "bad-port:" + port;
  f.uid = strtol(uid.c_str(), &end, 10);
  if (*end || f.uid < 0) f.parse_error = "bad-uid:" + uid;
  return f;
}

int ProbeMain(std::istream& in, int timeout_ms, int parallel) {
  std::vector<Flow> flows;
  std::string line;
  while (std::getline(in, line)) {
    auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    flows.push_back(ParseFlow(line));
  }
  struct Running {
    pid_t pid;
    int fd;
    size_t index;
    std::string out;
  };
  std::vector<std::string> results(flows.size());
  std::vector<Running> running;
  size_t next = 0;
  while (next < flows.size() || !running.empty()) {
    while (next < flows.size() && static_cast<int>(running.size()) < parallel) {
      int pipefd[2];
      if (pipe2(pipefd, O_CLOEXEC) != 0) {
        perror("nw_probe: pipe");
        return 1;
      }
      pid_t pid = fork();
      if (pid < 0) {
        perror("nw_probe: fork");
        return 1;
      }
      if (pid == 0) {
        close(pipefd[0]);
        auto start = std::chrono::steady_clock::now();
        std::string r = RunFlow(flows[next], timeout_ms);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
        r += " " + std::to_string(ms) + "ms\n";
        ssize_t ignored = write(pipefd[1], r.data(), r.size());
        (void)ignored;
        _exit(0);
      }
      close(pipefd[1]);
      running.push_back({pid, pipefd[0], next, {}});
      ++next;
    }
    std::vector<pollfd> fds;
    for (auto& r : running) fds.push_back({r.fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
      perror("nw_probe: poll");
      return 1;
    }
    for (size_t i = fds.size(); i-- > 0;) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[512];
      ssize_t n = read(running[i].fd, buf, sizeof(buf));
      if (n > 0) {
        running[i].out.append(buf, static_cast<size_t>(n));
        continue;
      }
      close(running[i].fd);
      waitpid(running[i].pid, nullptr, 0);
      std::string out = running[i].out;
      while (!out.empty() && out.back() == '\n') out.pop_back();
      results[running[i].index] = out.empty() ? "error probe-crashed" : out;
      running.erase(running.begin() + static_cast<long>(i));
    }
  }
  for (auto& r : results) std::cout << r << '\n';
  return 0;
}

// ---- serve --------------------------------------------------------------------------------

int BoundSocket(int family, int type, int port) {
  int fd = socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(*a);
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(*a);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    close(fd);
    return -1;
  }
  if (type == SOCK_STREAM && listen(fd, 512) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void ServeConnection(int fd) {
  static const std::string body = "netwarden lab: hello\n";
  std::string resp = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  // Read the request (if any) briefly first, so closing never resets unread data.
  timeval tv{0, 300000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char buf[4096];
  ssize_t n = recv(fd, buf, sizeof(buf), 0);
  (void)n;
  ssize_t w = send(fd, resp.data(), resp.size(), MSG_NOSIGNAL);
  (void)w;
  shutdown(fd, SHUT_WR);
  tv = {2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  while (recv(fd, buf, sizeof(buf), 0) > 0) {
  }
  close(fd);
}

void TcpLoop(int lfd) {
  for (;;) {
    int fd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE) continue;
      return;
    }
    std::thread(ServeConnection, fd).detach();
  }
}

// Echoes every datagram back from the address it was sent to (IP_PKTINFO), so conntrack's
// reply tuple matches after the lab's redirect.
void UdpLoop(int fd, int family) {
  for (;;) {
    uint8_t buf[65536];
    sockaddr_storage peer{};
    alignas(cmsghdr) char control[256];
    iovec iov{buf, sizeof(buf)};
    msghdr msg{};
    msg.msg_name = &peer;
    msg.msg_namelen = sizeof(peer);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = recvmsg(fd, &msg, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    alignas(cmsghdr) char out_control[256] = {};
    msghdr out{};
    iovec out_iov{buf, static_cast<size_t>(n)};
    out.msg_name = &peer;
    out.msg_namelen = msg.msg_namelen;
    out.msg_iov = &out_iov;
    out.msg_iovlen = 1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (family == AF_INET && c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        pi.ipi_ifindex = 0;
        pi.ipi_spec_dst = pi.ipi_addr;
        out.msg_control = out_control;
        out.msg_controllen = CMSG_SPACE(sizeof(pi));
        cmsghdr* oc = CMSG_FIRSTHDR(&out);
        oc->cmsg_level = IPPROTO_IP;
        oc->cmsg_type = IP_PKTINFO;
        oc->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(oc), &pi, sizeof(pi));
      } else if (family == AF_INET6 && c->cmsg_level == IPPROTO_IPV6 &&
                 c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        pi.ipi6_ifindex = 0;
        out.msg_control = out_control;
        out.msg_controllen = CMSG_SPACE(sizeof(pi));
        cmsghdr* oc = CMSG_FIRSTHDR(&out);
        oc->cmsg_level = IPPROTO_IPV6;
        oc->cmsg_type = IPV6_PKTINFO;
        oc->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(oc), &pi, sizeof(pi));
      }
    }
    ssize_t w = sendmsg(fd, &out, 0);
    (void)w;
  }
}

int ServeMain(int port) {
  signal(SIGPIPE, SIG_IGN);
  std::vector<std::thread> threads;
  for (int family : {AF_INET, AF_INET6}) {
    int t = BoundSocket(family, SOCK_STREAM, port);
    int u = BoundSocket(family, SOCK_DGRAM, port);
    if (t < 0 || u < 0) {
      fprintf(stderr, "nw_probe serve: cannot bind port %d (%s): %s\n", port,
              family == AF_INET ? "IPv4" : "IPv6", strerror(errno));
      if (family == AF_INET) return 1;
      continue;  // a namespace without IPv6 still serves IPv4
    }
    threads.emplace_back(TcpLoop, t);
    threads.emplace_back(UdpLoop, u, family);
  }
  fprintf(stderr, "nw_probe serve: listening on tcp+udp port %d\n", port);
  for (auto& th : threads) th.join();
  return 0;
}

int Usage() {
  fprintf(stderr,
          "usage: nw_probe [--timeout-ms N] [--parallel N] [FILE|-]   (lines: PROTO DST PORT UID)\n"
          "       nw_probe serve [--port N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "serve") {
    int port = 7777;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--port" && i + 1 < args.size())
        port = atoi(args[++i].c_str());
      else
        return Usage();
    }
    return ServeMain(port);
  }
  int timeout_ms = 2000;
  int parallel = 48;
  std::string file = "-";
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--timeout-ms" && i + 1 < args.size())
      timeout_ms = atoi(args[++i].c_str());
    else if (args[i] == "--parallel" && i + 1 < args.size())
      parallel = std::max(1, atoi(args[++i].c_str()));
    else if (args[i] == "-h" || args[i] == "--help")
      return Usage(), 0;
    else if (args[i].rfind("--", 0) == 0)
      return Usage();
    else
      file = args[i];
  }
  signal(SIGPIPE, SIG_IGN);
  if (file == "-") return ProbeMain(std::cin, timeout_ms, parallel);
  std::ifstream in(file);
  if (!in) {
    fprintf(stderr, "nw_probe: cannot open %s\n", file.c_str());
    return 2;
  }
  return ProbeMain(in, timeout_ms, parallel);
}
