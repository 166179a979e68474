// rtnetlink as the agent reads it (issue 14, items 8 and 15), in a network namespace of the
// test's own (root): the snapshot carries each link's index, kind and carrier; a dump answered
// with NLMSG_ERROR is an error, not an empty success; an overrun notification socket (ENOBUFS)
// is reported so the agent resyncs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_tun.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "agent/interface_monitor.h"
#include "agent/netlink_dump.h"

namespace netwarden::agent {
namespace {

bool SetLinkUp(int control, const char* name, bool up) {
  ifreq request{};
  std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(control, SIOCGIFFLAGS, &request) != 0) return false;
  request.ifr_flags = up ? (request.ifr_flags | IFF_UP) : (request.ifr_flags & ~IFF_UP);
  return ioctl(control, SIOCSIFFLAGS, &request) == 0;
}

// One namespace for the whole binary: unshare moves the process (this thread) into it.
bool InOwnNamespace() {
  static const bool entered = unshare(CLONE_NEWNET) == 0;
  return entered;
}

TEST(NetlinkDump, AnErrorAnswerIsAnError) {
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* header = mnl_nlmsg_put_header(buffer);
  header->nlmsg_type = SOCK_DIAG_BY_FAMILY;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* request =
      static_cast<inet_diag_req_v2*>(mnl_nlmsg_put_extra_header(header, sizeof(inet_diag_req_v2)));
  request->sdiag_family = 250;  // no such family: the kernel answers NLMSG_ERROR (EINVAL)
  request->sdiag_protocol = IPPROTO_TCP;
  int seen = 0;
  auto dumped = NetlinkDump(
      NETLINK_SOCK_DIAG, header,
      [](const nlmsghdr*, void* opaque) {
        ++*static_cast<int*>(opaque);
        return MNL_CB_OK;
      },
      &seen);
  ASSERT_FALSE(dumped);
  EXPECT_NE(dumped.error().message.find("netlink dump"), std::string::npos)
      << dumped.error().message;
  EXPECT_EQ(seen, 0);
}

TEST(InterfaceMonitor, SnapshotHasIndexKindAndCarrier) {
  if (!InOwnNamespace()) GTEST_SKIP() << "needs root for a network namespace";
  const int tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (tun < 0) GTEST_SKIP() << "no /dev/net/tun";
  ifreq request{};
  std::strncpy(request.ifr_name, "wgk0", IFNAMSIZ - 1);
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  ASSERT_EQ(ioctl(tun, TUNSETIFF, &request), 0) << std::strerror(errno);
  const int control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_TRUE(SetLinkUp(control, "wgk0", true));
  auto monitor = InterfaceMonitor::Open();
  ASSERT_TRUE(monitor) << monitor.error().ToString();
  auto snapshot = (*monitor)->Snapshot();
  ASSERT_TRUE(snapshot) << snapshot.error().ToString();
  ASSERT_EQ(snapshot->interfaces.size(), 1u);  // loopback is left out
  const InterfaceState& link = snapshot->interfaces[0];
  EXPECT_EQ(link.name, "wgk0");
  EXPECT_EQ(link.index, static_cast<int>(if_nametoindex("wgk0")));
  EXPECT_EQ(link.kind, "tun");  // what wireguard-go and OpenVPN create
  EXPECT_TRUE(link.carrier);    // a tun device has carrier while its file is open
  close(control);
  close(tun);
}

TEST(InterfaceMonitor, OverrunIsReported) {
  if (!InOwnNamespace()) GTEST_SKIP() << "needs root for a network namespace";
  auto monitor = InterfaceMonitor::Open();
  ASSERT_TRUE(monitor) << monitor.error().ToString();
  // A tiny receive buffer, then many link notifications nobody reads: the kernel drops some.
  const int small = 1;
  ASSERT_EQ(
      setsockopt((*monitor)->notification_fd(), SOL_SOCKET, SO_RCVBUFFORCE, &small, sizeof(small)),
      0);
  const int control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  for (int i = 0; i < 200; ++i) SetLinkUp(control, "lo", i % 2 == 0);
  SetLinkUp(control, "lo", true);
  close(control);
  const NotificationBatch batch = (*monitor)->Drain();
  EXPECT_TRUE(batch.changed);
  EXPECT_TRUE(batch.overrun);
  EXPECT_GE((*monitor)->overruns(), 1u);
  EXPECT_FALSE((*monitor)->Drain().changed);  // nothing new since
}

}  // namespace
}  // namespace netwarden::agent
