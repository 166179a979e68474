#include "dataplane/nft/nft_renderer.h"

#include <fmt/format.h>

#include <map>
#include <set>

namespace netwarden::nft {
namespace {

// Blocked packets: logged to NFLOG at a bounded rate, then answered.
constexpr const char* kLogLimit = "limit rate 20/second burst 40 packets";

std::string AddressType(IpFamily family) {
  return family == IpFamily::kV4 ? "ipv4_addr" : "ipv6_addr";
}

std::string AddressKeyword(IpFamily family) { return family == IpFamily::kV4 ? "ip" : "ip6"; }

std::string SetType(const NamedSet& set) {
  const std::string address = AddressType(set.family);
  switch (set.kind) {
    case SetKind::kInterface: return "ifname";
    case SetKind::kInterfaceIndex: return "iface_index";
    case SetKind::kAddress:
    case SetKind::kNetwork: return address;
    case SetKind::kAddressPort: return address + " . inet_service";
    case SetKind::kAddressProtoPort: return address + " . inet_proto . inet_service";
    case SetKind::kAddressProtoPortUid: return address + " . inet_proto . inet_service . uid";
  }
  return address;
}

std::string RenderElement(const NamedSet& set, const SetElement& element) {
  switch (set.kind) {
    case SetKind::kInterface:
    case SetKind::kInterfaceIndex: return fmt::format("\"{}\"", element.interface);
    case SetKind::kAddress:
    case SetKind::kNetwork: return element.network.ToString();
    case SetKind::kAddressPort:
      return fmt::format("{} . {}", element.network.base().ToString(), element.port);
    case SetKind::kAddressProtoPort:
      return fmt::format("{} . {} . {}", element.network.base().ToString(),
                         TransportName(element.protocol), element.port);
    case SetKind::kAddressProtoPortUid:
      return fmt::format("{} . {} . {} . {}", element.network.base().ToString(),
                         TransportName(element.protocol), element.port, element.uid);
  }
  return {};
}

std::string RenderElements(const NamedSet& set) {
  std::string out;
  for (const auto& element : set.elements) {
    out += (out.empty() ? "" : ", ") + RenderElement(set, element);
    if (set.element_timeout_seconds > 0) out += fmt::format(" timeout {}s", set.element_timeout_seconds);
  }
  return out;
}

template <typename T, typename F>
std::string Braced(const std::vector<T>& values, F&& render) {
  if (values.size() == 1) return render(values.front());
  std::string out;
  for (const auto& value : values) out += (out.empty() ? "" : ", ") + render(value);
  return "{ " + out + " }";
}

std::string PortMatch(const Match& match, const char* direction) {
  auto port = [](uint16_t value) { return std::to_string(value); };
  if (match.protocols.size() == 1) {
    return fmt::format("{} {} {}", TransportName(match.protocols.front()), direction,
                       Braced(match.ports, port));
  }
  return fmt::format("meta l4proto {} th {} {}",
                     Braced(match.protocols, [](Transport t) { return std::string(TransportName(t)); }),
                     direction, Braced(match.ports, port));
}

// `udp dport { 443, 3478-3481 }` or `meta l4proto { tcp, udp } th dport ...`
std::string PortRangeMatch(const Match& match) {
  auto range = [](const PortRange& r) { return r.ToString(); };
  if (match.protocols.size() == 1) {
    return fmt::format("{} dport {}", TransportName(match.protocols.front()),
                       Braced(match.port_ranges, range));
  }
  return fmt::format(
      "meta l4proto {} th dport {}",
      Braced(match.protocols, [](Transport t) { return std::string(TransportName(t)); }),
      Braced(match.port_ranges, range));
}

// `oif`/`iif` match interface indexes, `oifname`/`iifname` names; the set's kind decides.
std::string InterfaceKeyword(const Ruleset& ruleset, const Match& match, const char* direction) {
  const NamedSet* set = ruleset.FindSet(match.set);
  const bool by_index = set && set->kind == SetKind::kInterfaceIndex;
  return std::string(direction) + (by_index ? "if" : "ifname");
}

std::string RenderMatch(const Ruleset& ruleset, const Match& match) {
  using Kind = Match::Kind;
  switch (match.kind) {
    case Kind::kOutputLoopback: return "oif \"lo\"";
    case Kind::kInputLoopback: return "iif \"lo\"";
    case Kind::kConnectionEstablished: return "ct state established,related";
    case Kind::kConnectionInvalid: return "ct state invalid";
    case Kind::kOutputInterfaceInSet: return InterfaceKeyword(ruleset, match, "o") + " @" + match.set;
    case Kind::kInputInterfaceInSet: return InterfaceKeyword(ruleset, match, "i") + " @" + match.set;
    case Kind::kInputInterfaceNotInSet:
      return InterfaceKeyword(ruleset, match, "i") + " != @" + match.set;
    case Kind::kDestinationInSet: return AddressKeyword(match.family) + " daddr @" + match.set;
    case Kind::kSourceInSet: return AddressKeyword(match.family) + " saddr @" + match.set;
    case Kind::kDestinationTupleInSet: {
      const NamedSet* set = ruleset.FindSet(match.set);
      const std::string daddr = AddressKeyword(match.family) + " daddr";
      if (set && set->kind == SetKind::kAddressPort) return daddr + " . tcp dport @" + match.set;
      if (set && set->kind == SetKind::kAddressProtoPortUid) {
        return daddr + " . meta l4proto . th dport . meta skuid @" + match.set;
      }
      return daddr + " . meta l4proto . th dport @" + match.set;
    }
    case Kind::kProtocolIn:
      return "meta l4proto " +
             Braced(match.protocols, [](Transport t) { return std::string(TransportName(t)); });
    case Kind::kDestinationPortIn: return PortMatch(match, "dport");
    case Kind::kDestinationPortRangeIn: return PortRangeMatch(match);
    case Kind::kSourcePortIn: return PortMatch(match, "sport");
    case Kind::kUidIs: return fmt::format("meta skuid {}", match.uid);
    case Kind::kIcmpv6TypeIn:
      return "icmpv6 type " + Braced(match.icmpv6_types, [](const std::string& t) { return t; });
    case Kind::kInputInterfaceIs: return fmt::format("iifname \"{}\"", match.interface);
    case Kind::kMarkIs: return fmt::format("meta mark {:#010x}", match.mark);
  }
  return {};
}

std::string Underscored(std::string id) {
  for (char& c : id) {
    if (c == '-') c = '_';
  }
  return id;
}

// Report mode: one `would_block_<rule>` chain per rule id, for rejects and drops alike.
std::string BlockChainName(const Ruleset& ruleset, const Rule& rule) {
  if (ruleset.report_only) return "would_block_" + Underscored(rule.id);
  return (rule.action == Action::kReject ? "reject_" : "drop_") + Underscored(rule.id);
}

std::string HookName(Hook hook) {
  switch (hook) {
    case Hook::kInput: return "input";
    case Hook::kOutput: return "output";
    case Hook::kForward: return "forward";
  }
  return "output";
}

// Blocked-packet chains, one per (action, rule id) in use, in first-use order.
std::vector<const Rule*> BlockRules(const Ruleset& ruleset) {
  std::vector<const Rule*> rules;
  std::set<std::string> seen;
  for (const auto& chain : ruleset.chains) {
    for (const auto& rule : chain.rules) {
      if (rule.action != Action::kAccept && seen.insert(BlockChainName(ruleset, rule)).second) {
        rules.push_back(&rule);
      }
    }
  }
  return rules;
}

std::vector<std::string> BlockChainBody(const Ruleset& ruleset, const Rule& rule) {
  if (ruleset.report_only) {
    // Logged like a block (same rate limit, same group), then let through.
    return {fmt::format("{} log prefix \"netwarden would-block {} \" group {}", kLogLimit, rule.id,
                        ruleset.log_group),
            "accept"};
  }
  const char* verb = rule.action == Action::kReject ? "reject" : "drop";
  std::vector<std::string> lines = {fmt::format("{} log prefix \"netwarden {} {} \" group {}",
                                                kLogLimit, verb, rule.id, ruleset.log_group)};
  if (rule.action == Action::kReject) {
    lines.push_back("meta l4proto tcp reject with tcp reset");
    lines.push_back("reject with icmpx type admin-prohibited");
  } else {
    lines.push_back("drop");
  }
  return lines;
}

std::string RenderRule(const Ruleset& ruleset, const Rule& rule) {
  std::string text;
  for (const auto& match : rule.matches) text += RenderMatch(ruleset, match) + " ";
  text += "counter ";
  text += rule.action == Action::kAccept ? "accept" : "jump " + BlockChainName(ruleset, rule);
  return text + fmt::format(" comment \"{}\"", rule.id);
}

// The statements inside `set NAME { ... }`: the same for a new table and for a set update.
std::vector<std::string> SetBody(const NamedSet& set, bool with_elements) {
  std::vector<std::string> lines = {"type " + SetType(set)};
  if (set.kind == SetKind::kNetwork) lines.push_back("flags interval");
  // Part of the structure: a set that expires its elements is a different set.
  if (set.element_timeout_seconds > 0) lines.push_back("flags timeout");
  lines.push_back(fmt::format("comment \"{}\"", set.purpose));
  if (with_elements && !set.elements.empty()) {
    lines.push_back(fmt::format("elements = {{ {} }}", RenderElements(set)));
  }
  return lines;
}

std::string Render(const Ruleset& ruleset, bool with_situational_elements) {
  std::string out = fmt::format("table {} {} {{\n", kFamily, kTable);
  out += fmt::format("\tcomment \"{}\"\n", with_situational_elements ? TableComment(ruleset) : "");
  for (const auto& set : ruleset.sets) {
    out += fmt::format("\n\tset {} {{\n", set.name);
    for (const auto& line : SetBody(set, with_situational_elements || !set.situational)) {
      out += "\t\t" + line + "\n";
    }
    out += "\t}\n";
  }
  for (const Rule* rule : BlockRules(ruleset)) {
    out += fmt::format("\n\tchain {} {{\n", BlockChainName(ruleset, *rule));
    for (const auto& line : BlockChainBody(ruleset, *rule)) out += "\t\t" + line + "\n";
    out += "\t}\n";
  }
  for (const auto& chain : ruleset.chains) {
    out += fmt::format("\n\tchain {} {{\n\t\ttype filter hook {} priority filter; policy {};\n",
                       chain.name, HookName(chain.hook), ruleset.report_only ? "accept" : "drop");
    for (const auto& rule : chain.rules) out += "\t\t" + RenderRule(ruleset, rule) + "\n";
    out += "\t}\n";
  }
  return out + "}\n";
}

}  // namespace

std::string StructureDigest(const Ruleset& ruleset) {
  // FNV-1a: stable across builds and machines, which std::hash is not.
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : Render(ruleset, false)) {
    hash = (hash ^ c) * 1099511628211ULL;
  }
  return fmt::format("{:016x}", hash);
}

std::string TableComment(const Ruleset& ruleset) {
  return "netwarden structure=" + StructureDigest(ruleset);
}

std::string RenderTable(const Ruleset& ruleset) { return Render(ruleset, true); }

std::string RenderReplaceScript(const Ruleset& ruleset) {
  // `add` first so that `delete` cannot fail when no table exists; all in one batch.
  return fmt::format("add table {0} {1}\ndelete table {0} {1}\n", kFamily, kTable) +
         RenderTable(ruleset);
}

std::string RenderSetUpdateScript(const Ruleset& ruleset) {
  std::string out;
  for (const auto& set : ruleset.sets) {
    if (!set.situational) continue;
    out += fmt::format("flush set {} {} {}\n", kFamily, kTable, set.name);
    // `add set` with its elements rather than `add element`: nftables 1.0 loads every element of
    // every set in the ruleset before an `add element` (seconds with a threat feed's million
    // elements in the other table), but not before a set declaration.
    if (!set.elements.empty()) {
      std::string body;
      for (const auto& line : SetBody(set, true)) body += line + "; ";
      out += fmt::format("add set {} {} {} {{ {}}}\n", kFamily, kTable, set.name, body);
    }
  }
  return out;
}

std::vector<std::pair<std::string, size_t>> ExpectedRuleCounts(const Ruleset& ruleset) {
  std::vector<std::pair<std::string, size_t>> counts;
  for (const Rule* rule : BlockRules(ruleset)) {
    counts.emplace_back(BlockChainName(ruleset, *rule), BlockChainBody(ruleset, *rule).size());
  }
  for (const auto& chain : ruleset.chains) counts.emplace_back(chain.name, chain.rules.size());
  return counts;
}

}  // namespace netwarden::nft
