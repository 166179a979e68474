#pragma once
// Packets the kernel logged to an NFLOG group, decoded into JSON (nflog_source.h is the real
// one; kernel-free tests push packets through a fake): a readable fd for the event loop, and
// ReadPending() hands every pending packet to the handler given when it was opened.

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/result.h"

namespace netwarden::agent {

class PacketLog {
 public:
  virtual ~PacketLog() = default;
  virtual int fd() const = 0;
  virtual void ReadPending() = 0;
};

using PacketHandler = std::function<void(nlohmann::json)>;
using PacketLogOpener =
    std::function<Result<std::unique_ptr<PacketLog>>(uint16_t group, PacketHandler handler)>;

}  // namespace netwarden::agent
