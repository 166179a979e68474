// The agent's resolver with descriptors past FD_SETSIZE (issue 14, item 15): select()/FD_SET on
// such a descriptor writes past the fd_set; poll() has no such limit. Runs in a network
// namespace of its own (root) with a tiny DNS server on its loopback, so nothing leaves.
#include "agent/name_resolver.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

namespace netwarden::agent {
namespace {

using namespace std::chrono_literals;

bool EnterOwnNetworkNamespace() {
  if (unshare(CLONE_NEWNET) != 0) return false;
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  const bool up = ioctl(fd, SIOCGIFFLAGS, &request) == 0 &&
                  (request.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &request) == 0);
  close(fd);
  return up;
}

// Answers A queries for any name with 192.0.2.7 (TTL 60), AAAA with no answer.
class TinyDnsServer {
 public:
  TinyDnsServer() {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(53);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    timeval tick{0, 100000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof(tick));
    thread_ = std::thread([this] { Serve(); });
  }
  ~TinyDnsServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  bool bound() const { return bound_; }

 private:
  void Serve() {
    unsigned char query[512];
    while (!stop_) {
      sockaddr_in peer{};
      socklen_t length = sizeof(peer);
      const ssize_t n =
          recvfrom(fd_, query, sizeof(query), 0, reinterpret_cast<sockaddr*>(&peer), &length);
      if (n < 17) continue;
      size_t end = 12;  // the question's name, then type and class
      while (end < size_t(n) && query[end] != 0) end += query[end] + 1;
      end += 5;
      if (end > size_t(n)) continue;
      const bool is_a = query[end - 4] == 0 && query[end - 3] == 1;
      std::vector<unsigned char> answer(query, query + end);
      answer[2] = 0x81, answer[3] = 0x80;  // a response, recursion available, no error
      answer[6] = 0, answer[7] = is_a ? 1 : 0;
      answer[8] = answer[9] = answer[10] = answer[11] = 0;
      if (is_a) {
        const unsigned char record[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7};
        answer.insert(answer.end(), record, record + sizeof(record));
      }
      sendto(fd_, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&peer), length);
    }
  }
  int fd_ = -1;
  bool bound_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(NameResolver, WorksWithDescriptorsPastFdSetSize) {
  if (!EnterOwnNetworkNamespace()) GTEST_SKIP() << "needs root for a network namespace";
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < 2048) {
    limit.rlim_cur = std::min<rlim_t>(4096, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < 1200) GTEST_SKIP() << "cannot open 1200 descriptors";
  TinyDnsServer server;
  ASSERT_TRUE(server.bound());
  std::vector<int> filler;
  while (filler.empty() || filler.back() < 1100) filler.push_back(open("/dev/null", O_RDONLY));
  auto resolved = ResolveName("vpn.example.net", {*IpAddress::Parse("127.0.0.1")}, 2000ms);
  for (int fd : filler) close(fd);
  ASSERT_TRUE(resolved) << resolved.error().ToString();
  ASSERT_EQ(resolved->addresses.size(), 1u);
  EXPECT_EQ(resolved->addresses[0].ToString(), "192.0.2.7");
  EXPECT_EQ(resolved->ttl, std::chrono::seconds(60));
}

}  // namespace
}  // namespace netwarden::agent
