#include "decision/flow.h"

namespace netwarden {

Result<FlowProtocol> ParseFlowProtocol(std::string_view text) {
  if (text == "tcp") return FlowProtocol::kTcp;
  if (text == "udp") return FlowProtocol::kUdp;
  if (text == "icmp" || text == "icmpv6") return FlowProtocol::kIcmp;
  return MakeError(ErrorCode::kInvalidArgument,
                   "protocol must be tcp, udp or icmp, not '" + std::string(text) + "'");
}

const char* FlowProtocolName(FlowProtocol protocol) {
  switch (protocol) {
    case FlowProtocol::kTcp: return "tcp";
    case FlowProtocol::kUdp: return "udp";
    case FlowProtocol::kIcmp: return "icmp";
  }
  return "?";
}

}  // namespace netwarden
