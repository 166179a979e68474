#include "agent/nft_monitor.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace netwarden::agent {

bool IsOwnThread(int tid) {
  struct stat info {};
  return tid > 0 && stat(("/proc/self/task/" + std::to_string(tid)).c_str(), &info) == 0;
}

Result<std::unique_ptr<NftMonitor>> NftMonitor::Open(std::set<std::string> tables) {
  mnl_socket* socket = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (!socket) {
    return MakeError(ErrorCode::kIo, std::string("nftables monitor: ") + std::strerror(errno));
  }
  if (mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
    mnl_socket_close(socket);
    return MakeError(ErrorCode::kIo, std::string("nftables monitor: ") + std::strerror(errno));
  }
  int group = NFNLGRP_NFTABLES;
  if (mnl_socket_setsockopt(socket, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
    mnl_socket_close(socket);
    return MakeError(ErrorCode::kIo,
                     std::string("nftables monitor: subscribe: ") + std::strerror(errno));
  }
  return std::unique_ptr<NftMonitor>(new NftMonitor(socket, std::move(tables)));
}

NftMonitor::~NftMonitor() { mnl_socket_close(socket_); }

Result<void> NftMonitor::Pause() {
  int group = NFNLGRP_NFTABLES;
  if (mnl_socket_setsockopt(socket_, NETLINK_DROP_MEMBERSHIP, &group, sizeof(group)) < 0) {
    return MakeError(ErrorCode::kIo, std::string("nftables monitor: leave: ") + std::strerror(errno));
  }
  return Ok();
}

Result<void> NftMonitor::Resume() {
  int group = NFNLGRP_NFTABLES;
  if (mnl_socket_setsockopt(socket_, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
    return MakeError(ErrorCode::kIo, std::string("nftables monitor: rejoin: ") + std::strerror(errno));
  }
  return Ok();
}

int NftMonitor::fd() const { return mnl_socket_get_fd(socket_); }

namespace {

struct FirstAttributes {
  const nlattr* by_type[4] = {};
};

int CollectAttribute(const nlattr* attribute, void* opaque) {
  const int type = mnl_attr_get_type(attribute);
  if (type >= 1 && type <= 3) static_cast<FirstAttributes*>(opaque)->by_type[type] = attribute;
  return MNL_CB_OK;
}

}  // namespace

void NftMonitor::OnMessage(const void* raw, NftChanges& changes) {
  const auto* header = static_cast<const nlmsghdr*>(raw);
  if (NFNL_SUBSYS_ID(header->nlmsg_type) != NFNL_SUBSYS_NFTABLES) return;
  const int message = NFNL_MSG_TYPE(header->nlmsg_type);
  if (header->nlmsg_len < NLMSG_LENGTH(sizeof(nfgenmsg))) return;
  const auto* generic = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(header));
  FirstAttributes attributes;
  mnl_attr_parse(header, sizeof(nfgenmsg), CollectAttribute, &attributes);
  if (message == NFT_MSG_NEWGEN) {
    // One per committed batch, after its objects: says who committed it.
    int pid = 0;
    if (attributes.by_type[NFTA_GEN_PROC_PID]) {
      pid = static_cast<int>(ntohl(mnl_attr_get_u32(attributes.by_type[NFTA_GEN_PROC_PID])));
    }
    if (!IsOwnThread(pid)) changes.tables.insert(touched_.begin(), touched_.end());
    touched_.clear();
    return;
  }
  // Tables, chains, rules, sets, elements and objects all carry their table's name as
  // attribute 1 (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE, ...).
  if (generic->nfgen_family != NFPROTO_INET || !attributes.by_type[1]) return;
  const char* table = mnl_attr_get_str(attributes.by_type[1]);
  if (tables_.count(table)) touched_.insert(table);
}

NftChanges NftMonitor::ReadPending() {
  NftChanges changes;
  char buffer[MNL_SOCKET_BUFFER_SIZE * 4];
  // Bounded per wake-up: a flood of someone else's changes cannot hold the loop.
  for (int reads = 0; reads < 64; ++reads) {
    const ssize_t received = mnl_socket_recvfrom(socket_, buffer, sizeof(buffer));
    if (received < 0) {
      if (errno == ENOBUFS) {
        changes.overrun = true;
        touched_.clear();
        continue;
      }
      break;
    }
    auto length = static_cast<int>(received);
    for (const nlmsghdr* header = reinterpret_cast<const nlmsghdr*>(buffer);
         mnl_nlmsg_ok(header, length); header = mnl_nlmsg_next(header, &length)) {
      OnMessage(header, changes);
    }
  }
  return changes;
}

}  // namespace netwarden::agent
