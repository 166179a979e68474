#include "agent/interface_monitor.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>

#include "agent/netlink_dump.h"

namespace netwarden::agent {
namespace {

// Attributes of one message by type (only the first of each type is kept).
struct Attributes {
  std::map<uint16_t, const nlattr*> by_type;
  const nlattr* Get(uint16_t type) const {
    auto found = by_type.find(type);
    return found == by_type.end() ? nullptr : found->second;
  }
};

int CollectAttribute(const nlattr* attribute, void* opaque) {
  static_cast<Attributes*>(opaque)->by_type.emplace(mnl_attr_get_type(attribute), attribute);
  return MNL_CB_OK;
}

Attributes ParseAttributes(const nlmsghdr* header, size_t fixed_header) {
  Attributes attributes;
  mnl_attr_parse(header, static_cast<unsigned>(fixed_header), CollectAttribute, &attributes);
  return attributes;
}

struct DumpState {
  std::map<int, InterfaceState> up_interfaces;  // by ifindex
  std::vector<std::pair<int, RouteEntry>> routes;
};

IpAddress AddressFrom(const void* data, int family) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, data, text, sizeof(text));
  return *IpAddress::Parse(text);
}

// IFF_LOWER_UP (carrier) is in <linux/if.h>, which clashes with <net/if.h>.
constexpr unsigned kLowerUp = 1u << 16;

int CollectNestedAttribute(const nlattr* attribute, void* opaque) {
  static_cast<Attributes*>(opaque)->by_type.emplace(mnl_attr_get_type(attribute), attribute);
  return MNL_CB_OK;
}

// IFLA_LINKINFO / IFLA_INFO_KIND: "wireguard", "tun", "veth", ...; "" for a device without one.
std::string LinkKind(const Attributes& attributes) {
  const nlattr* link_info = attributes.Get(IFLA_LINKINFO);
  if (!link_info) return "";
  Attributes nested;
  mnl_attr_parse_nested(link_info, CollectNestedAttribute, &nested);
  const nlattr* kind = nested.Get(IFLA_INFO_KIND);
  if (!kind || mnl_attr_validate(kind, MNL_TYPE_NUL_STRING) < 0) return "";
  return mnl_attr_get_str(kind);
}

int OnLink(const nlmsghdr* header, void* opaque) {
  auto* state = static_cast<DumpState*>(opaque);
  const auto* info = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(header));
  if (!(info->ifi_flags & IFF_UP) || (info->ifi_flags & IFF_LOOPBACK)) return MNL_CB_OK;
  const Attributes attributes = ParseAttributes(header, sizeof(*info));
  const nlattr* name = attributes.Get(IFLA_IFNAME);
  if (!name || mnl_attr_validate(name, MNL_TYPE_NUL_STRING) < 0) return MNL_CB_OK;
  InterfaceState& interface = state->up_interfaces[info->ifi_index];
  interface.name = mnl_attr_get_str(name);
  interface.index = info->ifi_index;
  interface.kind = LinkKind(attributes);
  interface.carrier = (info->ifi_flags & kLowerUp) != 0;
  return MNL_CB_OK;
}

int OnAddress(const nlmsghdr* header, void* opaque) {
  auto* state = static_cast<DumpState*>(opaque);
  const auto* info = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(header));
  auto found = state->up_interfaces.find(static_cast<int>(info->ifa_index));
  if (found == state->up_interfaces.end()) return MNL_CB_OK;
  const Attributes attributes = ParseAttributes(header, sizeof(*info));
  // On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is ours.
  const nlattr* ours =
      attributes.Get(IFA_LOCAL) ? attributes.Get(IFA_LOCAL) : attributes.Get(IFA_ADDRESS);
  if (ours) {
    found->second.addresses.push_back(
        {AddressFrom(mnl_attr_get_payload(ours), info->ifa_family), info->ifa_prefixlen});
  }
  return MNL_CB_OK;
}

int OnRoute(const nlmsghdr* header, void* opaque) {
  auto* state = static_cast<DumpState*>(opaque);
  const auto* info = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(header));
  if (info->rtm_type != RTN_UNICAST) return MNL_CB_OK;
  const Attributes attributes = ParseAttributes(header, sizeof(*info));
  const int oif =
      attributes.Get(RTA_OIF) ? static_cast<int>(mnl_attr_get_u32(attributes.Get(RTA_OIF))) : 0;
  const uint32_t table =
      attributes.Get(RTA_TABLE) ? mnl_attr_get_u32(attributes.Get(RTA_TABLE)) : info->rtm_table;
  const void* destination =
      attributes.Get(RTA_DST) ? mnl_attr_get_payload(attributes.Get(RTA_DST)) : nullptr;
  const bool has_gateway = attributes.Get(RTA_GATEWAY) || attributes.Get(RTA_VIA);
  if (table != RT_TABLE_MAIN || oif == 0) return MNL_CB_OK;
  RouteEntry route;
  IpAddress base = destination ? AddressFrom(destination, info->rtm_family)
                               : *IpAddress::Parse(info->rtm_family == AF_INET ? "0.0.0.0" : "::");
  route.destination = IpNetwork(base, info->rtm_dst_len);
  // IPv6 on-link routes have universe scope: "connected" means no next hop.
  route.connected = info->rtm_scope == RT_SCOPE_LINK || !has_gateway;
  state->routes.emplace_back(oif, route);
  return MNL_CB_OK;
}

Result<void> Dump(uint16_t type, size_t header_size, mnl_cb_t callback, DumpState& state,
                  const std::function<void()>& restart) {
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* header = mnl_nlmsg_put_header(buffer);
  header->nlmsg_type = type;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  // Every request header (ifinfomsg, ifaddrmsg, rtmsg) starts with the family; AF_UNSPEC = all.
  auto* family = static_cast<uint8_t*>(mnl_nlmsg_put_extra_header(header, header_size));
  *family = AF_UNSPEC;
  return NetlinkDump(NETLINK_ROUTE, header, callback, &state, restart);
}

}  // namespace

Result<std::unique_ptr<InterfaceMonitor>> InterfaceMonitor::Open() {
  mnl_socket* events = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
  const unsigned groups =
      RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
  if (!events || mnl_socket_bind(events, groups, MNL_SOCKET_AUTOPID) < 0) {
    if (events) mnl_socket_close(events);
    return MakeError(ErrorCode::kIo, std::string("rtnetlink subscribe: ") + std::strerror(errno));
  }
  // Room for a burst of notifications (a VPN client replacing routes): fewer overruns. Root may
  // exceed rmem_max; elsewhere the plain option is capped by it.
  const int buffer_bytes = 4 * 1024 * 1024;
  const int fd = mnl_socket_get_fd(events);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_bytes, sizeof(buffer_bytes)) != 0) {
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof(buffer_bytes));
  }
  return std::unique_ptr<InterfaceMonitor>(new InterfaceMonitor(events));
}

InterfaceMonitor::~InterfaceMonitor() { mnl_socket_close(events_); }

int InterfaceMonitor::notification_fd() const { return mnl_socket_get_fd(events_); }

bool InterfaceMonitor::DrainNotifications() { return Drain().changed; }

NotificationBatch InterfaceMonitor::Drain() {
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  NotificationBatch batch;
  while (true) {
    const ssize_t received = mnl_socket_recvfrom(events_, buffer, sizeof(buffer));
    if (received > 0) {
      batch.changed = true;
      continue;
    }
    if (received < 0 && errno == EINTR) continue;
    if (received < 0 && errno == ENOBUFS) {
      // The kernel dropped notifications: what changed is unknown, so everything may have.
      batch.changed = true;
      batch.overrun = true;
      ++overruns_;
      continue;
    }
    break;
  }
  return batch;
}

Result<NetworkSnapshot> InterfaceMonitor::Snapshot() {
  DumpState state;
  // A dump repeated after the kernel marked it interrupted starts from nothing again.
  auto forget_links = [&] { state.up_interfaces.clear(); };
  auto forget_addresses = [&] {
    for (auto& [index, interface] : state.up_interfaces) interface.addresses.clear();
  };
  auto forget_routes = [&] { state.routes.clear(); };
  if (auto r = Dump(RTM_GETLINK, sizeof(ifinfomsg), OnLink, state, forget_links); !r) {
    return r.error();
  }
  if (auto r = Dump(RTM_GETADDR, sizeof(ifaddrmsg), OnAddress, state, forget_addresses); !r) {
    return r.error();
  }
  if (auto r = Dump(RTM_GETROUTE, sizeof(rtmsg), OnRoute, state, forget_routes); !r) {
    return r.error();
  }
  NetworkSnapshot snapshot;
  for (auto& [index, interface] : state.up_interfaces) {
    if (!interface.name.empty()) snapshot.interfaces.push_back(interface);
  }
  for (auto& [index, route] : state.routes) {
    auto found = state.up_interfaces.find(index);
    if (found == state.up_interfaces.end()) continue;
    route.interface = found->second.name;
    snapshot.routes.push_back(route);
  }
  return snapshot;
}

}  // namespace netwarden::agent
