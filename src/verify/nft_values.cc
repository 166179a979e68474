#include "verify/nft_values.h"

#include <arpa/inet.h>
#include <pwd.h>

#include <charconv>
#include <map>

namespace netwarden::verify {
namespace {

using Interval = IntervalSet::Interval;
using nlohmann::json;

const std::map<std::string, int>& ProtocolNumbers() {
  static const std::map<std::string, int> kNames = {
      {"icmp", 1},      {"igmp", 2},  {"tcp", 6},    {"udp", 17}, {"ipv6-icmp", 58},
      {"icmpv6", 58},   {"gre", 47},  {"esp", 50},   {"ah", 51},  {"sctp", 132},
      {"udplite", 136}, {"dccp", 33}, {"comp", 108}, {"ipip", 4}, {"ipv6", 41}};
  return kNames;
}

const std::map<std::string, int>& IcmpTypes() {
  static const std::map<std::string, int> kNames = {
      {"echo-reply", 0},           {"destination-unreachable", 3},
      {"source-quench", 4},        {"redirect", 5},
      {"echo-request", 8},         {"router-advertisement", 9},
      {"router-solicitation", 10}, {"time-exceeded", 11},
      {"parameter-problem", 12},   {"timestamp-request", 13},
      {"timestamp-reply", 14},     {"info-request", 15},
      {"info-reply", 16},          {"address-mask-request", 17},
      {"address-mask-reply", 18}};
  return kNames;
}

const std::map<std::string, int>& Icmpv6Types() {
  static const std::map<std::string, int> kNames = {
      {"destination-unreachable", 1},  {"packet-too-big", 2},         {"time-exceeded", 3},
      {"parameter-problem", 4},        {"echo-request", 128},         {"echo-reply", 129},
      {"mld-listener-query", 130},     {"mld-listener-report", 131},  {"mld-listener-done", 132},
      {"mld-listener-reduction", 132}, {"nd-router-solicit", 133},    {"nd-router-advert", 134},
      {"nd-neighbor-solicit", 135},    {"nd-neighbor-advert", 136},   {"nd-redirect", 137},
      {"router-renumbering", 138},     {"ind-neighbor-solicit", 141}, {"ind-neighbor-advert", 142},
      {"mld2-listener-report", 143}};
  return kNames;
}

const std::map<std::string, int>& CtStates() {
  static const std::map<std::string, int> kNames = {{"new", kCtNew},
                                                    {"established", kCtEstablished},
                                                    {"related", kCtRelated},
                                                    {"invalid", kCtInvalid},
                                                    {"untracked", kCtUntracked}};
  return kNames;
}

std::optional<uint64_t> Number(const std::string& text) {
  uint64_t value = 0;
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const char* begin = text.data() + (hex ? 2 : 0);
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value, hex ? 16 : 10);
  if (ec != std::errc() || ptr != end || begin == end) return std::nullopt;
  return value;
}

Error BadValue(const json& value, const char* what) {
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string("cannot read ") + what + " value " + value.dump().substr(0, 80));
}

Value Maximum(ValueKind kind) {
  switch (kind) {
    case ValueKind::kIpv4:
      return 0xffffffffu;
    case ValueKind::kIpv6:
      return ~Value(0);
    case ValueKind::kProto:
    case ValueKind::kIcmpType:
    case ValueKind::kIcmpv6Type:
      return 255;
    case ValueKind::kPort:
      return 65535;
    case ValueKind::kUid:
    case ValueKind::kMark:
    case ValueKind::kIfname:
    case ValueKind::kIfindex:
      return 0xffffffffu;
    case ValueKind::kCtState:
      return kCtUntracked;
  }
  return 0;
}

Result<Value> Scalar(const json& value, ValueKind kind, InterfaceNames& interfaces) {
  if (value.is_number_unsigned() || value.is_number_integer()) {
    if (value.is_number_integer() && value.get<int64_t>() < 0) return BadValue(value, "a negative");
    const uint64_t number = value.get<uint64_t>();
    if (kind == ValueKind::kIfindex || kind == ValueKind::kIfname) {
      // An index no interface has now: it matches nothing present, so a unique name is exact.
      return interfaces.Id("#" + std::to_string(number));
    }
    if (kind == ValueKind::kIpv4 || kind == ValueKind::kIpv6 || Value(number) > Maximum(kind)) {
      return BadValue(value, "an out-of-range");
    }
    return Value(number);
  }
  if (!value.is_string()) return BadValue(value, "a");
  const std::string text = value.get<std::string>();
  auto named = [&](const std::map<std::string, int>& names, const char* what) -> Result<Value> {
    if (auto found = names.find(text); found != names.end()) return Value(found->second);
    if (auto number = Number(text); number && Value(*number) <= Maximum(kind))
      return Value(*number);
    return BadValue(value, what);
  };
  switch (kind) {
    case ValueKind::kIpv4:
    case ValueKind::kIpv6: {
      auto address = IpAddress::Parse(text);
      if (!address || address->is_v4() != (kind == ValueKind::kIpv4))
        return BadValue(value, "an address");
      return AddressValue(*address);
    }
    case ValueKind::kProto:
      return named(ProtocolNumbers(), "a protocol");
    case ValueKind::kIcmpType:
      return named(IcmpTypes(), "an icmp type");
    case ValueKind::kIcmpv6Type:
      return named(Icmpv6Types(), "an icmpv6 type");
    case ValueKind::kCtState:
      return named(CtStates(), "a ct state");
    case ValueKind::kPort:
    case ValueKind::kMark:
      return named({}, "a number");
    case ValueKind::kUid: {
      if (auto number = Number(text)) return Value(*number);
      // nft prints a uid as the user's name when it has one.
      if (const passwd* user = getpwnam(text.c_str())) return Value(user->pw_uid);
      return BadValue(value, "a uid");
    }
    case ValueKind::kIfname:
    case ValueKind::kIfindex:
      // `oifname "eth*"` matches by prefix, which interned names cannot say exactly.
      if (!text.empty() && text.back() == '*') {
        return MakeError(ErrorCode::kUnsupported, "an interface wildcard " + text);
      }
      return interfaces.Id(text);
  }
  return BadValue(value, "a");
}

}  // namespace

Value AddressValue(const IpAddress& address) {
  Value value = 0;
  const int bytes = address.is_v4() ? 4 : 16;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | address.bytes()[i];
  return value;
}

IpAddress AddressFromValue(Value value, IpFamily family) {
  if (family == IpFamily::kV4) return IpAddress::V4(static_cast<uint32_t>(value));
  in6_addr raw{};
  for (int i = 15; i >= 0; --i) {
    raw.s6_addr[i] = static_cast<uint8_t>(value & 0xff);
    value >>= 8;
  }
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, &raw, text, sizeof(text));
  return *IpAddress::Parse(text);
}

std::string ProtocolName(Value protocol) {
  for (const auto& [name, number] : ProtocolNumbers()) {
    if (Value(number) == protocol && name != "icmpv6") return name;
  }
  return std::to_string(static_cast<unsigned>(protocol));
}

std::optional<Selector> ParseSelector(const json& left) {
  if (!left.is_object()) return std::nullopt;
  if (left.contains("meta")) {
    const std::string key = left["meta"].value("key", "");
    if (key == "oif") return Selector{kOif, ValueKind::kIfindex, {}, {}};
    if (key == "oifname") return Selector{kOif, ValueKind::kIfname, {}, {}};
    if (key == "iif") return Selector{kIif, ValueKind::kIfindex, {}, {}};
    if (key == "iifname") return Selector{kIif, ValueKind::kIfname, {}, {}};
    if (key == "l4proto") return Selector{kL4proto, ValueKind::kProto, {}, {}};
    if (key == "skuid") return Selector{kUid, ValueKind::kUid, {}, {}};
    if (key == "mark") return Selector{kMark, ValueKind::kMark, {}, {}};
    return std::nullopt;
  }
  if (left.contains("ct")) {
    if (left["ct"].value("key", "") == "state" && !left["ct"].contains("dir")) {
      return Selector{kCtState, ValueKind::kCtState, {}, {}};
    }
    return std::nullopt;
  }
  if (left.contains("payload")) {
    const auto& payload = left["payload"];
    const std::string protocol = payload.value("protocol", "");
    const std::string field = payload.value("field", "");
    if (protocol == "ip" || protocol == "ip6") {
      const IpFamily family = protocol == "ip" ? IpFamily::kV4 : IpFamily::kV6;
      const ValueKind kind = protocol == "ip" ? ValueKind::kIpv4 : ValueKind::kIpv6;
      if (field == "daddr") return Selector{kDaddr, kind, family, {}};
      if (field == "saddr") return Selector{kSaddr, kind, family, {}};
      return std::nullopt;
    }
    std::optional<uint8_t> implied;
    if (protocol == "tcp") implied = kProtoTcp;
    if (protocol == "udp") implied = kProtoUdp;
    if (protocol == "tcp" || protocol == "udp" || protocol == "th") {
      if (field == "sport") return Selector{kThSport, ValueKind::kPort, {}, implied};
      if (field == "dport") return Selector{kThDport, ValueKind::kPort, {}, implied};
      return std::nullopt;
    }
    if ((protocol == "icmp" || protocol == "icmpv6") && field == "type") {
      return protocol == "icmp" ? Selector{kThSport, ValueKind::kIcmpType, {}, kProtoIcmp}
                                : Selector{kThSport, ValueKind::kIcmpv6Type, {}, kProtoIcmpv6};
    }
  }
  return std::nullopt;
}

Result<void> AppendValue(const json& value, ValueKind kind, InterfaceNames& interfaces,
                         std::vector<Interval>& out) {
  if (value.is_array()) {
    for (const auto& item : value) {
      if (auto added = AppendValue(item, kind, interfaces, out); !added) return added;
    }
    return Ok();
  }
  if (value.is_object()) {
    if (value.contains("set")) return AppendValue(value["set"], kind, interfaces, out);
    if (value.contains("elem"))
      return AppendValue(value["elem"].value("val", json()), kind, interfaces, out);
    if (value.contains("prefix")) {
      const auto& prefix = value["prefix"];
      auto base = Scalar(prefix.value("addr", json()), kind, interfaces);
      if (!base || !prefix.contains("len") || !prefix["len"].is_number_unsigned()) {
        return BadValue(value, "a prefix");
      }
      const int width = kind == ValueKind::kIpv4 ? 32 : 128;
      const int length = prefix["len"].get<int>();
      if ((kind != ValueKind::kIpv4 && kind != ValueKind::kIpv6) || length > width) {
        return BadValue(value, "a prefix");
      }
      const Value host_bits = length == 0 ? Maximum(kind) : ((Value(1) << (width - length)) - 1);
      out.push_back({*base & ~host_bits & Maximum(kind), (*base | host_bits) & Maximum(kind)});
      return Ok();
    }
    if (value.contains("range")) {
      const auto& range = value["range"];
      if (!range.is_array() || range.size() != 2) return BadValue(value, "a range");
      auto lo = Scalar(range[0], kind, interfaces);
      auto hi = Scalar(range[1], kind, interfaces);
      if (!lo || !hi) return BadValue(value, "a range");
      out.push_back({*lo, *hi});
      return Ok();
    }
    return BadValue(value, "a");
  }
  auto scalar = Scalar(value, kind, interfaces);
  if (!scalar) return scalar.error();
  out.push_back({*scalar, *scalar});
  return Ok();
}

}  // namespace netwarden::verify
