#pragma once
// Reading one side of an nftables JSON match: which header field the left side selects (with the
// dependencies nft adds implicitly, e.g. `tcp dport` means l4proto tcp), and the values of the
// right side as intervals of that field.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "verify/nft_model.h"

namespace netwarden::verify {

enum class ValueKind : uint8_t {
  kIpv4,
  kIpv6,
  kProto,
  kPort,
  kUid,
  kIfname,
  kIfindex,
  kMark,
  kIcmpType,
  kIcmpv6Type,
  kCtState,
};

struct Selector {
  Field field = kDaddr;
  ValueKind kind = ValueKind::kIpv4;
  std::optional<IpFamily> family;  // ip / ip6 payload: the other family never matches
  std::optional<uint8_t> l4proto;  // tcp/udp/icmp/icmpv6 payload: implied protocol
};

// nullopt: an expression the model does not know (the rule then "may match").
std::optional<Selector> ParseSelector(const nlohmann::json& left);

// Appends the intervals `value` stands for (a literal, prefix, range, anonymous set, set
// element, list) in `kind`'s field encoding.
Result<void> AppendValue(const nlohmann::json& value, ValueKind kind, InterfaceNames& interfaces,
                         std::vector<IntervalSet::Interval>& out);

Value AddressValue(const IpAddress& address);
IpAddress AddressFromValue(Value value, IpFamily family);

// Names for people: "tcp", "udp", "icmp", "ipv6-icmp", else the number.
std::string ProtocolName(Value protocol);

}  // namespace netwarden::verify
