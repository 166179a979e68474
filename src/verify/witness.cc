#include "verify/witness.h"

#include <fmt/format.h>

#include <functional>

#include "verify/nft_values.h"

namespace netwarden::verify {
namespace {

Value Pick(const IntervalSet& set, std::initializer_list<Value> preferred) {
  for (Value value : preferred) {
    if (set.Contains(value)) return value;
  }
  return set.intervals().front().lo;
}

std::string Hex(Value value) { return fmt::format("{:#x}", static_cast<uint64_t>(value)); }

std::string Uint(Value value) { return std::to_string(static_cast<uint64_t>(value)); }

// [lo, hi] as the fewest prefixes that cover it exactly.
std::vector<std::string> Prefixes(Value lo, Value hi, IpFamily family) {
  const int width = family == IpFamily::kV4 ? 32 : 128;
  std::vector<std::string> out;
  while (lo <= hi) {
    int size = 0;  // log2 of the block
    while (size < width) {
      const Value block = Value(1) << size;
      if ((lo & block) != 0) break;  // lo must stay aligned to the next block size
      const Value last = lo + (block << 1) - 1;
      if (last > hi || last < lo) break;
      ++size;
    }
    const Value block_last = size == width ? FieldMax(kDaddr, family) : lo + (Value(1) << size) - 1;
    out.push_back(IpNetwork(AddressFromValue(lo, family), width - size).ToString());
    if (block_last >= hi) break;
    lo = block_last + 1;
  }
  return out;
}

std::string ValueList(const IntervalSet& set, const std::function<std::string(Value)>& name,
                      size_t limit = 6) {
  std::string out;
  size_t shown = 0;
  for (const auto& interval : set.intervals()) {
    if (shown == limit) {
      out += fmt::format(", +{} more", set.size() - shown);
      break;
    }
    out += (out.empty() ? "" : ",") + (interval.lo == interval.hi
                                           ? name(interval.lo)
                                           : name(interval.lo) + "-" + name(interval.hi));
    ++shown;
  }
  return out;
}

// Interface ids are names: each is listed by name (ids without one as "any-other").
std::string InterfaceList(const IntervalSet& ids, const InterfaceNames& interfaces) {
  std::vector<std::string> names;
  bool others = false;
  for (const auto& interval : ids.intervals()) {
    for (Value v = interval.lo; v <= interval.hi; ++v) {
      const std::string name = interfaces.Name(v);
      if (name.empty()) {
        others = true;
        break;
      }
      names.push_back(name);
    }
  }
  if (others) names.push_back("any-other");
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

}  // namespace

std::string InterfaceLabel(const InterfaceNames& interfaces, Value id) {
  const std::string name = interfaces.Name(id);
  return name.empty() ? "any-other" : name;
}

Packet PickPacket(const Cube& cube, IpFamily family, const InterfaceNames& interfaces,
                  const std::vector<std::string>& preferred_interfaces) {
  Packet packet;
  packet.family = family;
  auto pick_interface = [&](Field field) {
    for (const auto& name : preferred_interfaces) {
      if (auto id = interfaces.Find(name); id && cube[field].Contains(*id)) return *id;
    }
    if (cube[field].Contains(interfaces.Unnamed())) return interfaces.Unnamed();
    return cube[field].intervals().front().lo;
  };
  packet.oif = pick_interface(kOif);
  packet.iif = pick_interface(kIif);
  // example.com's addresses read as "some public host".
  packet.daddr = family == IpFamily::kV4
                     ? Pick(cube[kDaddr], {Value(0x5db8d822u)})
                     : Pick(cube[kDaddr], {AddressValue(*IpAddress::Parse("2606:2800:220:1::1"))});
  packet.saddr = Pick(cube[kSaddr], {family == IpFamily::kV4 ? Value(0xc0a8010au) : Value(0)});
  packet.l4proto = Pick(cube[kL4proto], {kProtoTcp, kProtoUdp, kProtoIcmp, kProtoIcmpv6});
  packet.dport = Pick(cube[kThDport], {443, 80, 53, 22, 51820});
  packet.sport = Pick(cube[kThSport], {40000, 68, 546, 8 << 8, 128 << 8});
  packet.uid = Pick(cube[kUid], {1000, 0});
  packet.mark = Pick(cube[kMark], {0});
  packet.ct_state = Pick(cube[kCtState], {kCtNew, kCtEstablished});
  return packet;
}

std::string DescribePacket(const Packet& packet, const Cube& cube, const InterfaceNames& interfaces,
                           bool with_input_side) {
  const IpFamily family = packet.family;
  std::string uid = IsFull(cube, kUid, family) ? "any"
                    : packet.uid == kNoSocket  ? "none"
                                               : Uint(packet.uid);
  // ICMP has no ports (th dport reads its checksum): 0, as `explain` takes it, when any will do.
  const bool icmp = packet.l4proto == kProtoIcmp || packet.l4proto == kProtoIcmpv6;
  const Value dport = icmp && cube[kThDport].Contains(0) ? 0 : packet.dport;
  std::string out =
      fmt::format("proto={} uid={} dst={} dport={}", ProtocolName(packet.l4proto), uid,
                  AddressFromValue(packet.daddr, family).ToString(), Uint(dport));
  out += " oif=" + InterfaceLabel(interfaces, packet.oif);
  if (!IsFull(cube, kThSport, family)) {
    out += icmp ? fmt::format(" type={}", Uint(packet.sport >> 8)) : " sport=" + Uint(packet.sport);
  }
  if (packet.mark != 0) out += " mark=" + Hex(packet.mark);
  if (with_input_side) {
    static const char* kStates[] = {"new", "established", "related", "invalid", "untracked"};
    out += " iif=" + InterfaceLabel(interfaces, packet.iif);
    out += fmt::format(" src={} ct={}", AddressFromValue(packet.saddr, family).ToString(),
                       kStates[static_cast<int>(packet.ct_state)]);
  }
  return out;
}

std::string DescribeRule(const Piece& piece, bool accepted) {
  if (piece.rule) return fmt::format("rule={} \"{}\"", piece.rule->handle, piece.rule->comment);
  if (!piece.chain) return "rule=none \"no base chain of netwarden on this hook\"";
  const std::string chain = piece.chain->table + " " + piece.chain->name;
  return fmt::format("rule=policy \"{} policy {}\"", chain, accepted ? "accept" : "drop");
}

Flow ToFlow(const Packet& packet, const InterfaceNames& interfaces) {
  Flow flow;
  const bool icmp = packet.l4proto == kProtoIcmp || packet.l4proto == kProtoIcmpv6;
  flow.protocol = icmp                          ? FlowProtocol::kIcmp
                  : packet.l4proto == kProtoTcp ? FlowProtocol::kTcp
                                                : FlowProtocol::kUdp;
  flow.destination = AddressFromValue(packet.daddr, packet.family);
  flow.port = icmp ? 0 : static_cast<uint16_t>(packet.dport);
  flow.source_port = icmp ? 0 : static_cast<uint16_t>(packet.sport);
  // An id without a name is an interface the policy and ruleset never mention.
  const std::string name = interfaces.Name(packet.oif);
  flow.output_interface = name.empty() ? "nw-unnamed0" : name;
  flow.uid = static_cast<uint32_t>(packet.uid);
  flow.mark = static_cast<uint32_t>(packet.mark);
  return flow;
}

std::string DescribeClass(const Cube& cube, IpFamily family, const InterfaceNames& interfaces) {
  std::string protocols = IsFull(cube, kL4proto, family)
                              ? "any protocol"
                              : ValueList(cube[kL4proto], [](Value v) { return ProtocolName(v); });
  std::string uid = IsFull(cube, kUid, family)
                        ? "any uid"
                        : "uid " + ValueList(cube[kUid], [](Value v) {
                            return v == kNoSocket ? std::string("none") : Uint(v);
                          });
  std::string destinations;
  if (IsFull(cube, kDaddr, family)) {
    destinations = family == IpFamily::kV4 ? "any IPv4 address" : "any IPv6 address";
  } else {
    std::vector<std::string> prefixes;
    for (const auto& interval : cube[kDaddr].intervals()) {
      for (auto& prefix : Prefixes(interval.lo, interval.hi, family))
        prefixes.push_back(std::move(prefix));
      if (prefixes.size() > 8) break;
    }
    for (size_t i = 0; i < prefixes.size() && i < 4; ++i)
      destinations += (i ? ", " : "") + prefixes[i];
    if (prefixes.size() > 4 || cube[kDaddr].size() > 4) destinations += ", ...";
  }
  std::string ports =
      IsFull(cube, kThDport, family) ? "any port" : "port " + ValueList(cube[kThDport], Uint);
  std::string via;
  if (IsFull(cube, kOif, family)) {
    via = "via any interface";
  } else {
    const IntervalSet others = IntervalSet::Range(0, FieldMax(kOif, family)).Subtract(cube[kOif]);
    const bool mostly = cube[kOif].Contains(interfaces.Unnamed());
    const IntervalSet& listed = mostly ? others : cube[kOif];
    via = std::string(mostly ? "via any interface except " : "via ") +
          InterfaceList(listed, interfaces);
  }
  std::string out = fmt::format("{} {} → {} {} {}", protocols, uid, destinations, ports, via);
  if (!IsFull(cube, kMark, family)) out += " mark " + ValueList(cube[kMark], Hex);
  if (!IsFull(cube, kThSport, family)) out += " sport " + ValueList(cube[kThSport], Uint);
  return out;
}

std::string DescribeWithin(const Cube& part, const Cube& whole, IpFamily family,
                           const InterfaceNames& interfaces) {
  (void)family;
  std::vector<std::string> words;
  auto differs = [&](Field field) { return !(part[field] == whole[field]); };
  if (differs(kL4proto))
    words.push_back(ValueList(part[kL4proto], [](Value v) { return ProtocolName(v); }));
  if (differs(kUid)) words.push_back("uid " + ValueList(part[kUid], Uint));
  if (differs(kDaddr)) words.push_back("some destinations");
  if (differs(kThDport)) words.push_back("port " + ValueList(part[kThDport], Uint));
  if (differs(kThSport)) words.push_back("sport " + ValueList(part[kThSport], Uint));
  if (differs(kOif)) {
    words.push_back("via " + InterfaceList(part[kOif], interfaces));
  }
  if (differs(kMark)) words.push_back("mark " + ValueList(part[kMark], Hex));
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : " ") + word;
  return out.empty() ? "the same class" : out;
}

}  // namespace netwarden::verify
