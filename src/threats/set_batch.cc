#include "threats/set_batch.h"

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

namespace netwarden::threats {
namespace {

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

constexpr int kReceiveBuffer = 64 * 1024 * 1024;

using SetPtr = std::unique_ptr<nftnl_set, decltype(&nftnl_set_free)>;

// Interval end: the first address after the prefix; false when the prefix reaches the top of
// the address space (then the start element alone is open-ended).
bool EndOf(const IpNetwork& network, std::array<uint8_t, 16>& end) {
  end = network.base().bytes();
  int width = network.base().bit_width();
  for (int bit = network.prefix_len(); bit < width; ++bit) end[bit / 8] |= 1u << (7 - bit % 8);
  for (int byte = width / 8 - 1; byte >= 0; --byte) {
    if (++end[byte] != 0) return true;
  }
  return false;
}

struct Element {
  std::array<uint8_t, 16> key;
  uint8_t length;
  bool interval_end;
};

void AppendElements(const IpNetwork& network, bool interval, std::vector<Element>& out) {
  uint8_t length = network.base().is_v4() ? 4 : 16;
  out.push_back({network.base().bytes(), length, false});
  if (!interval) return;
  std::array<uint8_t, 16> end;
  if (EndOf(network, end)) out.push_back({end, length, true});
}

class BatchBuilder {
 public:
  explicit BatchBuilder(uint32_t seq) : seq_(seq) {
    scratch_.resize(256 * 1024);
    Put(nftnl_batch_begin(scratch_.data(), seq_++));
  }

  // Sends `elements` to `set` as NEWSETELEM/DELSETELEM messages of at most kElementsPerMessage.
  void AddElements(const std::string& table, const std::string& set, uint16_t type,
                   const std::vector<Element>& elements) {
    for (size_t start = 0; start < elements.size(); start += kElementsPerMessage) {
      SetPtr message = NewSet(table, set);
      size_t end = std::min(elements.size(), start + kElementsPerMessage);
      for (size_t i = start; i < end; ++i) {
        nftnl_set_elem* element = nftnl_set_elem_alloc();
        nftnl_set_elem_set(element, NFTNL_SET_ELEM_KEY, elements[i].key.data(), elements[i].length);
        if (elements[i].interval_end) {
          nftnl_set_elem_set_u32(element, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
        }
        nftnl_set_elem_add(message.get(), element);
      }
      PutSetMessage(message.get(), type, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0);
      stats_.elements += end - start;
    }
  }

  // A DELSETELEM without elements empties the set.
  void Flush(const std::string& table, const std::string& set) {
    SetPtr message = NewSet(table, set);
    PutSetMessage(message.get(), NFT_MSG_DELSETELEM, 0);
  }

  std::string Finish() {
    Put(nftnl_batch_end(scratch_.data(), seq_++));
    stats_.bytes = buffer_.size();
    return std::move(buffer_);
  }
  const BatchStats& stats() const { return stats_; }

 private:
  SetPtr NewSet(const std::string& table, const std::string& set) {
    SetPtr message(nftnl_set_alloc(), nftnl_set_free);
    nftnl_set_set_str(message.get(), NFTNL_SET_TABLE, table.c_str());
    nftnl_set_set_str(message.get(), NFTNL_SET_NAME, set.c_str());
    return message;
  }

  void PutSetMessage(nftnl_set* set, uint16_t type, uint16_t flags) {
    nlmsghdr* header = nftnl_nlmsg_build_hdr(scratch_.data(), type, NFPROTO_INET,
                                             flags | NLM_F_ACK, seq_++);
    nftnl_set_elems_nlmsg_build_payload(header, set);
    Put(header);
    ++stats_.messages;
  }

  void Put(const nlmsghdr* header) {
    buffer_.append(reinterpret_cast<const char*>(header), header->nlmsg_len);
  }

  uint32_t seq_;
  std::vector<char> scratch_;
  std::string buffer_;
  BatchStats stats_;
};

using SocketPtr = std::unique_ptr<mnl_socket, decltype(&mnl_socket_close)>;

Result<SocketPtr> OpenSocket(size_t batch_bytes) {
  SocketPtr socket(mnl_socket_open(NETLINK_NETFILTER), mnl_socket_close);
  if (!socket) return MakeError(ErrorCode::kKernel, std::string("netlink socket: ") + strerror(errno));
  if (mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return MakeError(ErrorCode::kKernel, std::string("netlink bind: ") + strerror(errno));
  }
  int fd = mnl_socket_get_fd(socket.get());
  int one = 1;
  // Acks without the echoed request keep a thousand acknowledgements small; a big receive
  // buffer keeps any of them (and any error) from being dropped.
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  int receive = kReceiveBuffer;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive, sizeof(receive)) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive, sizeof(receive));
  }
  // The whole batch goes in one sendmsg (the kernel needs begin..end in one message).
  int send = static_cast<int>(std::min<size_t>(batch_bytes + 65536, 1u << 30));
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &send, sizeof(send)) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send, sizeof(send));
  }
  return socket;
}

// Reads acknowledgements until every acked message answered; the first error wins.
Result<void> CollectAcks(mnl_socket* socket, size_t expected) {
  int fd = mnl_socket_get_fd(socket);
  std::vector<char> buffer(1 << 20);
  size_t acks = 0;
  std::string first_error;
  while (acks < expected) {
    pollfd waiter{fd, POLLIN, 0};
    int ready = poll(&waiter, 1, 5000);
    if (ready <= 0) {
      return MakeError(ErrorCode::kKernel, "netlink: " + std::to_string(expected - acks) +
                                               " acknowledgements missing");
    }
    ssize_t received = recv(fd, buffer.data(), buffer.size(), 0);
    if (received < 0) {
      if (errno == EINTR) continue;
      return MakeError(ErrorCode::kKernel, std::string("netlink receive (acks lost?): ") + strerror(errno));
    }
    auto* header = reinterpret_cast<const nlmsghdr*>(buffer.data());
    int length = static_cast<int>(received);
    for (; mnl_nlmsg_ok(header, length); header = mnl_nlmsg_next(header, &length)) {
      if (header->nlmsg_type != NLMSG_ERROR) continue;
      ++acks;
      const auto* error = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(header));
      if (error->error != 0 && first_error.empty()) {
        first_error = strerror(-error->error);
        // An error on the batch itself (begin/end) ends the conversation.
        if (error->msg.nlmsg_type == NFNL_MSG_BATCH_BEGIN) acks = expected;
      }
    }
  }
  if (!first_error.empty()) {
    return MakeError(ErrorCode::kKernel, "the kernel refused the set transaction: " + first_error);
  }
  return Ok();
}

}  // namespace

Result<BatchStats> CommitSetUpdates(const std::string& table,
                                    const std::vector<SetUpdate>& updates) {
  BatchBuilder builder(static_cast<uint32_t>(time(nullptr)));
  std::vector<Element> elements;
  for (const auto& update : updates) {
    if (update.flush) builder.Flush(table, update.set);
    // Deletions first: an added interval may touch one being removed.
    elements.clear();
    for (const auto& network : update.remove) AppendElements(network, update.interval, elements);
    builder.AddElements(table, update.set, NFT_MSG_DELSETELEM, elements);
    elements.clear();
    for (const auto& network : update.add) AppendElements(network, update.interval, elements);
    builder.AddElements(table, update.set, NFT_MSG_NEWSETELEM, elements);
  }
  BatchStats stats = builder.stats();
  std::string batch = builder.Finish();
  stats.bytes = batch.size();

  auto socket = OpenSocket(batch.size());
  if (!socket) return socket.error();
  if (mnl_socket_sendto(socket->get(), batch.data(), batch.size()) < 0) {
    return MakeError(ErrorCode::kKernel, std::string("netlink send of ") +
                                             std::to_string(batch.size()) + " bytes: " + strerror(errno));
  }
  auto acked = CollectAcks(socket->get(), stats.messages);
  if (!acked) return acked.error();
  return stats;
}

}  // namespace netwarden::threats

namespace netwarden::threats {

Result<bool> TableExists(const std::string& table) {
  SocketPtr socket(mnl_socket_open(NETLINK_NETFILTER), mnl_socket_close);
  if (!socket || mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return MakeError(ErrorCode::kKernel, std::string("netlink socket: ") + strerror(errno));
  }
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  const uint32_t seq = static_cast<uint32_t>(time(nullptr));
  nlmsghdr* header = nftnl_nlmsg_build_hdr(buffer.data(), NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, seq);
  std::unique_ptr<nftnl_table, decltype(&nftnl_table_free)> request(nftnl_table_alloc(),
                                                                    nftnl_table_free);
  nftnl_table_set_str(request.get(), NFTNL_TABLE_NAME, table.c_str());
  nftnl_table_nlmsg_build_payload(header, request.get());
  if (mnl_socket_sendto(socket.get(), header, header->nlmsg_len) < 0) {
    return MakeError(ErrorCode::kKernel, std::string("netlink send: ") + strerror(errno));
  }
  bool found = false;
  for (;;) {
    ssize_t received = mnl_socket_recvfrom(socket.get(), buffer.data(), buffer.size());
    if (received < 0) return MakeError(ErrorCode::kKernel, std::string("netlink receive: ") + strerror(errno));
    auto* reply = reinterpret_cast<const nlmsghdr*>(buffer.data());
    int length = static_cast<int>(received);
    for (; mnl_nlmsg_ok(reply, length); reply = mnl_nlmsg_next(reply, &length)) {
      if (reply->nlmsg_type != NLMSG_ERROR) {
        found = true;
        continue;
      }
      const auto* error = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(reply));
      if (error->error == 0) return found;
      if (error->error == -ENOENT) return false;
      return MakeError(ErrorCode::kKernel, std::string("netlink get table: ") + strerror(-error->error));
    }
  }
}

}  // namespace netwarden::threats
