#include "agent/socket_owner.h"

#include "agent/netlink_dump.h"

#include <dirent.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>

namespace netwarden::agent {
namespace {

using Clock = std::chrono::steady_clock;

void CopyAddress(const IpAddress& address, __be32 out[4]) {
  std::memcpy(out, address.bytes().data(), address.is_v4() ? 4 : 16);
}

struct DumpMatch {
  const PacketSockets* packet;
  uint64_t inode = 0;
};

bool SameAddress(const __be32 raw[4], const IpAddress& address) {
  return std::memcmp(raw, address.bytes().data(), address.is_v4() ? 4 : 16) == 0;
}

bool IsAny(const __be32 raw[4], bool v4) {
  static const __be32 zero[4] = {};
  return std::memcmp(raw, zero, v4 ? 4 : 16) == 0;
}

// A socket sends this packet when its local port is the source port and it is either connected
// to the destination or not connected at all (an unconnected UDP socket's sendto).
int OnSocket(const nlmsghdr* header, void* opaque) {
  auto* match = static_cast<DumpMatch*>(opaque);
  const auto* message = static_cast<const inet_diag_msg*>(mnl_nlmsg_get_payload(header));
  const PacketSockets& packet = *match->packet;
  const bool v4 = packet.source.is_v4();
  if (ntohs(message->id.idiag_sport) != packet.source_port) return MNL_CB_OK;
  if (!IsAny(message->id.idiag_src, v4) && !SameAddress(message->id.idiag_src, packet.source)) {
    return MNL_CB_OK;
  }
  const bool connected = message->id.idiag_dport != 0;
  if (connected && (ntohs(message->id.idiag_dport) != packet.destination_port ||
                    !SameAddress(message->id.idiag_dst, packet.destination))) {
    return MNL_CB_OK;
  }
  // A connected socket is the better answer; an unconnected one only if nothing else matches.
  if (connected || match->inode == 0) match->inode = message->idiag_inode;
  return MNL_CB_OK;
}

}  // namespace

uint64_t FindSocketInode(const PacketSockets& packet) {
  if (packet.protocol != IPPROTO_TCP && packet.protocol != IPPROTO_UDP) return 0;
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* header = mnl_nlmsg_put_header(buffer);
  header->nlmsg_type = SOCK_DIAG_BY_FAMILY;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* request = static_cast<inet_diag_req_v2*>(mnl_nlmsg_put_extra_header(header, sizeof(inet_diag_req_v2)));
  request->sdiag_family = packet.source.is_v4() ? AF_INET : AF_INET6;
  request->sdiag_protocol = static_cast<uint8_t>(packet.protocol);
  request->idiag_states = ~0u;
  request->id.idiag_sport = htons(packet.source_port);  // a hint; the kernel dumps them all
  request->id.idiag_cookie[0] = request->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  CopyAddress(packet.source, request->id.idiag_src);
  DumpMatch match{&packet};
  if (!NetlinkDump(NETLINK_SOCK_DIAG, header, OnSocket, &match)) return 0;
  return match.inode;
}

void SocketOwners::ScanProcesses() {
  inode_to_pid_.clear();
  scanned_at_ = Clock::now();
  std::unique_ptr<DIR, int (*)(DIR*)> proc(opendir("/proc"), closedir);
  if (!proc) return;
  while (const dirent* process = readdir(proc.get())) {
    const pid_t pid = static_cast<pid_t>(std::strtol(process->d_name, nullptr, 10));
    if (pid <= 0) continue;
    const std::string fd_dir = "/proc/" + std::string(process->d_name) + "/fd";
    std::unique_ptr<DIR, int (*)(DIR*)> fds(opendir(fd_dir.c_str()), closedir);
    if (!fds) continue;
    while (const dirent* fd = readdir(fds.get())) {
      char target[64] = {};
      const std::string link = fd_dir + "/" + fd->d_name;
      const ssize_t length = readlink(link.c_str(), target, sizeof(target) - 1);
      if (length <= 8 || std::strncmp(target, "socket:[", 8) != 0) continue;
      inode_to_pid_.emplace(std::strtoull(target + 8, nullptr, 10), pid);
    }
  }
}

std::optional<SocketOwner> SocketOwners::OwnerOfInode(uint64_t inode) {
  auto found = inode_to_pid_.find(inode);
  // A new socket is not in the last scan: scan again, but at most 4 times a second (a walk of /proc
  // costs milliseconds; a flood of blocked connects must not turn into a flood of walks).
  if (found == inode_to_pid_.end() && Clock::now() - scanned_at_ > std::chrono::milliseconds(250)) {
    ScanProcesses();
    found = inode_to_pid_.find(inode);
  }
  if (found == inode_to_pid_.end()) return std::nullopt;
  char exe[4096] = {};
  const std::string link = "/proc/" + std::to_string(found->second) + "/exe";
  const ssize_t length = readlink(link.c_str(), exe, sizeof(exe) - 1);
  if (length <= 0) return std::nullopt;
  return SocketOwner{found->second, std::string(exe, static_cast<size_t>(length))};
}

std::optional<SocketOwner> SocketOwners::Find(const PacketSockets& packet) {
  const uint64_t inode = FindSocketInode(packet);
  if (inode == 0) return std::nullopt;
  return OwnerOfInode(inode);
}

}  // namespace netwarden::agent
