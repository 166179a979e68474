#include "agent/netlink_dump.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>

namespace netwarden::agent {

Result<void> NetlinkDump(int bus, nlmsghdr* request, mnl_cb_t callback, void* data) {
  std::unique_ptr<mnl_socket, decltype(&mnl_socket_close)> socket(mnl_socket_open(bus),
                                                                   mnl_socket_close);
  if (!socket || mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return MakeError(ErrorCode::kIo, std::string("netlink: ") + std::strerror(errno));
  }
  const uint32_t sequence = static_cast<uint32_t>(time(nullptr));
  request->nlmsg_seq = sequence;
  if (mnl_socket_sendto(socket.get(), request, request->nlmsg_len) < 0) {
    return MakeError(ErrorCode::kIo, std::string("netlink send: ") + std::strerror(errno));
  }
  const unsigned port = mnl_socket_get_portid(socket.get());
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  ssize_t received;
  while ((received = mnl_socket_recvfrom(socket.get(), buffer, sizeof(buffer))) > 0) {
    const int rc = mnl_cb_run(buffer, static_cast<size_t>(received), sequence, port, callback, data);
    if (rc <= MNL_CB_STOP) break;
  }
  return Ok();
}

}  // namespace netwarden::agent
