#pragma once
// Blocked packets from the kernel's NFLOG group (the ruleset's `log group`), decoded into events:
// rule, protocol, addresses, ports, interfaces and the socket owner's uid when the kernel has it.

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "agent/packet_log.h"
#include "core/result.h"

struct nflog_handle;
struct nflog_g_handle;
struct nflog_data;
struct nfgenmsg;

namespace netwarden::agent {

class NflogSource final : public PacketLog {
 public:
  using OnPacket = PacketHandler;
  static Result<std::unique_ptr<NflogSource>> Open(uint16_t group, OnPacket on_packet);
  ~NflogSource() override;

  int fd() const override;
  void ReadPending() override;

 private:
  NflogSource() = default;
  static int OnMessage(::nflog_g_handle*, ::nfgenmsg*, ::nflog_data* data, void* self);

  nflog_handle* handle_ = nullptr;
  nflog_g_handle* group_ = nullptr;
  OnPacket on_packet_;
};

// Decodes an IPv4/IPv6 packet header into protocol, addresses and ports (for events).
nlohmann::json DescribePacket(const unsigned char* data, size_t length);

}  // namespace netwarden::agent
