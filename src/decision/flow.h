#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/ip.h"
#include "core/result.h"

namespace netwarden {

enum class FlowProtocol : uint8_t { kTcp, kUdp, kIcmp };
Result<FlowProtocol> ParseFlowProtocol(std::string_view text);
const char* FlowProtocolName(FlowProtocol protocol);

// One outbound packet's identity as the output hook sees it.
struct Flow {
  FlowProtocol protocol = FlowProtocol::kTcp;
  IpAddress destination;
  uint16_t port = 0;         // destination port; 0 for ICMP
  uint16_t source_port = 0;  // 0 = an ephemeral port
  std::string output_interface;
  uint32_t uid = 0;
  uint32_t mark = 0;  // packet mark (kInspectMark for a threat feed's `inspect` destinations)
};

// kWouldReject: report mode (`vpn: {mode: report}`): the flow passes, logged as one the
// forced VPN would have rejected.
enum class Verdict : uint8_t { kAllow, kReject, kWouldReject };
inline const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAllow: return "allow";
    case Verdict::kReject: return "reject";
    case Verdict::kWouldReject: return "would-reject";
  }
  return "reject";
}
// Whether the packet leaves (an allow, or a report-mode would-reject).
inline bool Passes(Verdict verdict) { return verdict != Verdict::kReject; }

struct Decision {
  Verdict verdict = Verdict::kReject;
  std::string rule;    // a rule_id::k* name
  std::string reason;  // a sentence for people
  std::optional<SourceLocation> where;  // the policy line behind the rule, when there is one
};

}  // namespace netwarden
