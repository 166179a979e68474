#include "agent/netlink_dump.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

namespace netwarden::agent {

namespace {

// A dump the kernel marks inconsistent (NLM_F_DUMP_INTR: the table changed while it was being
// dumped; libmnl reports EINTR) is asked for again, a few times.
constexpr int kDumpAttempts = 4;
// Large enough for the biggest dump message the kernel builds (it sizes them to the reader's
// buffer, up to 32 KiB); a smaller buffer would truncate them (libmnl reports ENOSPC).
constexpr size_t kDumpBufferSize = 32768;

enum class DumpEnd { kDone, kInterrupted };

Result<DumpEnd> DumpOnce(int bus, nlmsghdr* request, mnl_cb_t callback, void* data) {
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
  std::vector<char> buffer(kDumpBufferSize);
  while (true) {
    const ssize_t received = mnl_socket_recvfrom(socket.get(), buffer.data(), buffer.size());
    if (received < 0) {
      if (errno == EINTR) continue;
      // ENOBUFS, ENOSPC (a truncated message), ...: the dump is incomplete.
      return MakeError(ErrorCode::kKernel, std::string("netlink dump: ") + std::strerror(errno));
    }
    if (received == 0) {
      return MakeError(ErrorCode::kKernel, "netlink dump: ended without NLMSG_DONE");
    }
    const int rc =
        mnl_cb_run(buffer.data(), static_cast<size_t>(received), sequence, port, callback, data);
    if (rc == MNL_CB_STOP) return DumpEnd::kDone;
    if (rc == MNL_CB_ERROR) {
      if (errno == EINTR) return DumpEnd::kInterrupted;
      // An NLMSG_ERROR in the dump (or a callback's refusal): never a partial success.
      return MakeError(ErrorCode::kKernel, std::string("netlink dump: ") + std::strerror(errno));
    }
  }
}

}  // namespace

Result<void> NetlinkDump(int bus, nlmsghdr* request, mnl_cb_t callback, void* data,
                         const std::function<void()>& restart) {
  for (int attempt = 1; attempt <= kDumpAttempts; ++attempt) {
    auto end = DumpOnce(bus, request, callback, data);
    if (!end) return end.error();
    if (*end == DumpEnd::kDone) return Ok();
    if (restart) restart();  // the answers so far are of an inconsistent dump
  }
  return MakeError(ErrorCode::kKernel, "netlink dump: interrupted by changes " +
                                           std::to_string(kDumpAttempts) + " times");
}

}  // namespace netwarden::agent
