#pragma once
// Which program sent a logged packet: the kernel's NFLOG record has the socket owner's uid but
// not the process. While the socket still exists (a UDP socket, a TCP connect in progress), its
// inode is found through sock_diag and the inode among the processes' open files. Best effort:
// a socket closed before the event is read leaves the event without a program.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/ip.h"

namespace netwarden::agent {

struct PacketSockets {
  int protocol = 0;  // IPPROTO_TCP or IPPROTO_UDP
  IpAddress source, destination;
  uint16_t source_port = 0, destination_port = 0;
};

struct SocketOwner {
  pid_t pid = 0;
  std::string program;  // the executable's path
};

class SocketOwners {
 public:
  std::optional<SocketOwner> Find(const PacketSockets& packet);

 private:
  std::optional<SocketOwner> OwnerOfInode(uint64_t inode);
  void ScanProcesses();

  std::unordered_map<uint64_t, pid_t> inode_to_pid_;
  std::chrono::steady_clock::time_point scanned_at_{};
};

// The socket inode of an outbound packet's sender, from sock_diag (0 when none matches).
uint64_t FindSocketInode(const PacketSockets& packet);

}  // namespace netwarden::agent
