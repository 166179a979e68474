#include "threats/inspect_route.h"

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <vector>

namespace netwarden::threats {
namespace {

constexpr uint32_t kUnreachableMetric = 4096;

using SocketPtr = std::unique_ptr<mnl_socket, decltype(&mnl_socket_close)>;

// Sends one request and waits for its ack; `tolerated` errno values count as success.
Result<void> Talk(mnl_socket* socket, nlmsghdr* request, std::initializer_list<int> tolerated) {
  if (mnl_socket_sendto(socket, request, request->nlmsg_len) < 0) {
    return MakeError(ErrorCode::kKernel, std::string("rtnetlink send: ") + strerror(errno));
  }
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  ssize_t received = mnl_socket_recvfrom(socket, buffer.data(), buffer.size());
  if (received < 0) return MakeError(ErrorCode::kKernel, std::string("rtnetlink receive: ") + strerror(errno));
  int rc = mnl_cb_run(buffer.data(), received, request->nlmsg_seq, mnl_socket_get_portid(socket),
                      nullptr, nullptr);
  if (rc < 0) {
    for (int ok : tolerated) {
      if (errno == ok) return Ok();
    }
    return MakeError(ErrorCode::kKernel, std::string("rtnetlink: ") + strerror(errno));
  }
  return Ok();
}

nlmsghdr* Header(std::vector<char>& buffer, uint16_t type, uint16_t flags) {
  std::fill(buffer.begin(), buffer.end(), 0);
  nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
  header->nlmsg_type = type;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  static uint32_t seq = static_cast<uint32_t>(time(nullptr));
  header->nlmsg_seq = ++seq;
  return header;
}

Result<void> Rule(mnl_socket* socket, uint8_t family, uint32_t mark, bool add) {
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* header = Header(buffer, add ? RTM_NEWRULE : RTM_DELRULE,
                            add ? NLM_F_CREATE | NLM_F_EXCL : 0);
  auto* rule = static_cast<fib_rule_hdr*>(mnl_nlmsg_put_extra_header(header, sizeof(fib_rule_hdr)));
  rule->family = family;
  rule->action = FR_ACT_TO_TBL;
  mnl_attr_put_u32(header, FRA_FWMARK, mark);
  mnl_attr_put_u32(header, FRA_FWMASK, 0xffffffff);
  mnl_attr_put_u32(header, FRA_TABLE, kInspectTable);
  mnl_attr_put_u32(header, FRA_PRIORITY, kInspectRulePriority);
  return Talk(socket, header, add ? std::initializer_list<int>{EEXIST} : std::initializer_list<int>{ENOENT});
}

// A default route in the inspection table: through `ifindex`, or unreachable when ifindex is 0.
Result<void> Route(mnl_socket* socket, uint8_t family, unsigned ifindex, bool add) {
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* header = Header(buffer, add ? RTM_NEWROUTE : RTM_DELROUTE,
                            add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
  auto* route = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(header, sizeof(rtmsg)));
  route->rtm_family = family;
  route->rtm_table = RT_TABLE_UNSPEC;
  mnl_attr_put_u32(header, RTA_TABLE, kInspectTable);
  if (!add) {
    // Unspecified type, scope and interface: matches whichever default route is in the table.
    route->rtm_scope = RT_SCOPE_NOWHERE;
    return Talk(socket, header, {ENOENT, ESRCH});
  }
  route->rtm_protocol = RTPROT_STATIC;
  route->rtm_scope = ifindex ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  route->rtm_type = ifindex ? RTN_UNICAST : RTN_UNREACHABLE;
  if (ifindex) {
    mnl_attr_put_u32(header, RTA_OIF, ifindex);
  } else {
    mnl_attr_put_u32(header, RTA_PRIORITY, kUnreachableMetric);
  }
  return Talk(socket, header, {});
}

Result<SocketPtr> Open() {
  SocketPtr socket(mnl_socket_open(NETLINK_ROUTE), mnl_socket_close);
  if (!socket || mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return MakeError(ErrorCode::kKernel, std::string("rtnetlink socket: ") + strerror(errno));
  }
  return socket;
}

}  // namespace

Result<std::string> InstallInspectRouting(const std::string& interface, uint32_t mark) {
  auto socket = Open();
  if (!socket) return socket.error();
  unsigned ifindex = if_nametoindex(interface.c_str());
  for (uint8_t family : {uint8_t{AF_INET}, uint8_t{AF_INET6}}) {
    // The fail-closed fallback first, so there is never a moment with the rule but no route.
    if (auto added = Route(socket->get(), family, 0, true); !added) return added.error();
    if (ifindex) {
      if (auto added = Route(socket->get(), family, ifindex, true); !added) return added.error();
    }
    if (auto added = Rule(socket->get(), family, mark, true); !added) return added.error();
  }
  if (!ifindex) return "inspection interface " + interface + " is missing: inspected destinations are unreachable";
  return std::string();
}

Result<void> RemoveInspectRouting(uint32_t mark) {
  auto socket = Open();
  if (!socket) return socket.error();
  for (uint8_t family : {uint8_t{AF_INET}, uint8_t{AF_INET6}}) {
    if (auto removed = Rule(socket->get(), family, mark, false); !removed) return removed.error();
    // The device route and the unreachable fallback: one default route per request.
    for (int i = 0; i < 2; ++i) {
      if (auto removed = Route(socket->get(), family, 0, false); !removed) return removed.error();
    }
  }
  return Ok();
}

}  // namespace netwarden::threats
