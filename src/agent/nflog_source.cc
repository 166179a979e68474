#include "agent/nflog_source.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

extern "C" {
#include <libnetfilter_log/libnetfilter_log.h>
}

#ifndef NFULNL_CFG_F_UID
#define NFULNL_CFG_F_UID 0x0002  // the socket owner's uid (linux/netfilter/nfnetlink_log.h)
#endif

namespace netwarden::agent {
namespace {

std::string ProtocolName(int protocol) {
  switch (protocol) {
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_ICMP: return "icmp";
    case IPPROTO_ICMPV6: return "icmpv6";
    default: return std::to_string(protocol);
  }
}

std::string InterfaceName(uint32_t index) {
  char name[IF_NAMESIZE] = {};
  return index && if_indextoname(index, name) ? name : "";
}

}  // namespace

nlohmann::json DescribePacket(const unsigned char* data, size_t length) {
  nlohmann::json out;
  if (length < 1) return out;
  int protocol = -1;
  size_t header = 0;
  char source[INET6_ADDRSTRLEN] = {}, destination[INET6_ADDRSTRLEN] = {};
  const int version = data[0] >> 4;
  if (version == 4 && length >= 20) {
    header = (data[0] & 15) * 4u;
    protocol = data[9];
    inet_ntop(AF_INET, data + 12, source, sizeof(source));
    inet_ntop(AF_INET, data + 16, destination, sizeof(destination));
  } else if (version == 6 && length >= 40) {
    header = 40;
    protocol = data[6];  // extension headers are not followed: rare for blocked first packets
    inet_ntop(AF_INET6, data + 8, source, sizeof(source));
    inet_ntop(AF_INET6, data + 24, destination, sizeof(destination));
  } else {
    return out;
  }
  out["protocol"] = ProtocolName(protocol);
  out["source"] = source;
  out["destination"] = destination;
  if ((protocol == IPPROTO_TCP || protocol == IPPROTO_UDP) && length >= header + 4) {
    out["source_port"] = (data[header] << 8) | data[header + 1];
    out["destination_port"] = (data[header + 2] << 8) | data[header + 3];
  } else if ((protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6) && length >= header + 1) {
    out["icmp_type"] = data[header];
  }
  return out;
}

Result<std::unique_ptr<NflogSource>> NflogSource::Open(uint16_t group, OnPacket on_packet) {
  std::unique_ptr<NflogSource> source(new NflogSource());
  source->on_packet_ = std::move(on_packet);
  source->handle_ = nflog_open();
  if (!source->handle_) {
    return MakeError(ErrorCode::kKernel, std::string("nflog: ") + std::strerror(errno));
  }
  source->group_ = nflog_bind_group(source->handle_, group);
  if (!source->group_) {
    return MakeError(ErrorCode::kKernel, "nflog: cannot bind group " + std::to_string(group) +
                                             " (another listener?): " + std::strerror(errno));
  }
  nflog_set_mode(source->group_, NFULNL_COPY_PACKET, 128);
  nflog_set_flags(source->group_, NFULNL_CFG_F_UID | NFULNL_CFG_F_SEQ);
  // Deliver each packet at once instead of batching up to the kernel's flush timeout.
  nflog_set_qthresh(source->group_, 1);
  nflog_set_timeout(source->group_, 0);
  nflog_callback_register(source->group_, &NflogSource::OnMessage, source.get());
  const int fd = nflog_fd(source->handle_);
  const int big = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
  return source;
}

NflogSource::~NflogSource() {
  if (group_) nflog_unbind_group(group_);
  if (handle_) nflog_close(handle_);
}

int NflogSource::fd() const { return nflog_fd(handle_); }

constexpr int kMaxReadsPerWakeup = 32;

void NflogSource::ReadPending() {
  char buffer[65536];
  // At most this many reads per wake-up: a local user flooding logged packets cannot hold the
  // event loop; what is left is read on the next turn (epoll reports the fd readable again).
  for (int reads = 0; reads < kMaxReadsPerWakeup; ++reads) {
    const ssize_t received = recv(fd(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (received <= 0) break;  // ENOBUFS (overrun) included: the rate limit covers the gap
    nflog_handle_packet(handle_, buffer, static_cast<int>(received));
  }
}

int NflogSource::OnMessage(::nflog_g_handle*, ::nfgenmsg*, ::nflog_data* data, void* self) {
  auto* source = static_cast<NflogSource*>(self);
  char* payload = nullptr;
  const int length = nflog_get_payload(data, &payload);
  nlohmann::json event =
      length > 0 ? DescribePacket(reinterpret_cast<unsigned char*>(payload), length)
                 : nlohmann::json::object();
  // Prefix: "netwarden <reject|drop> <rule-id> "
  const char* prefix = nflog_get_prefix(data);
  if (prefix) {
    std::string text = prefix;
    const auto first = text.find(' ');
    const auto second = text.find(' ', first + 1);
    if (first != std::string::npos && second != std::string::npos) {
      event["verdict"] = text.substr(first + 1, second - first - 1);
      const auto end = text.find(' ', second + 1);
      event["rule"] = text.substr(second + 1, end == std::string::npos ? end : end - second - 1);
    }
  }
  if (const std::string in = InterfaceName(nflog_get_indev(data)); !in.empty()) {
    event["input_interface"] = in;
  }
  if (const std::string out = InterfaceName(nflog_get_outdev(data)); !out.empty()) {
    event["output_interface"] = out;
  }
  uint32_t uid = 0;
  if (nflog_get_uid(data, &uid) == 0) event["uid"] = uid;
  source->on_packet_(std::move(event));
  return 0;
}

}  // namespace netwarden::agent
