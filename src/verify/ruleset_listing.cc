#include "verify/ruleset_listing.h"

#include <nlohmann/json.hpp>
#include <set>

#include "dataplane/nft/nft_renderer.h"
#include "policy/threats_policy.h"

namespace netwarden::verify {
namespace {

using nlohmann::json;
constexpr const char* kTable = "netwarden";

json Meta(const char* key) { return {{"meta", {{"key", key}}}}; }
json Payload(const std::string& protocol, const char* field) {
  return {{"payload", {{"protocol", protocol}, {"field", field}}}};
}
json MatchOf(json left, json right, const char* op = "==") {
  return {{"match", {{"op", op}, {"left", std::move(left)}, {"right", std::move(right)}}}};
}
std::string SetRef(const std::string& name) { return "@" + name; }
std::string AddressProtocol(IpFamily family) { return family == IpFamily::kV4 ? "ip" : "ip6"; }

// One value, or an anonymous set of several (how nft lists `{ 53, 853 }`).
template <typename T>
json OneOrSet(const std::vector<T>& values) {
  if (values.size() == 1) return json(values.front());
  json set = json::array();
  for (const auto& value : values) set.push_back(value);
  return {{"set", set}};
}

std::vector<std::string> TransportNames(const std::vector<Transport>& protocols) {
  std::vector<std::string> names;
  for (Transport t : protocols) names.emplace_back(TransportName(t));
  return names;
}

bool ByIndex(const Ruleset& ruleset, const std::string& set) {
  const NamedSet* named = ruleset.FindSet(set);
  return named && named->kind == SetKind::kInterfaceIndex;
}

void PortMatches(const Match& match, const char* direction, json& out) {
  if (match.protocols.size() == 1) {
    out.push_back(
        MatchOf(Payload(TransportName(match.protocols.front()), direction), OneOrSet(match.ports)));
    return;
  }
  out.push_back(MatchOf(Meta("l4proto"), OneOrSet(TransportNames(match.protocols))));
  out.push_back(MatchOf(Payload("th", direction), OneOrSet(match.ports)));
}

// How nft lists `udp dport { 443, 3478-3481 }`: a port, a range, or an anonymous set of both.
json PortRanges(const std::vector<PortRange>& ranges) {
  auto one = [](const PortRange& range) {
    return range.first == range.last ? json(range.first)
                                     : json{{"range", json::array({range.first, range.last})}};
  };
  if (ranges.size() == 1) return one(ranges.front());
  json set = json::array();
  for (const auto& range : ranges) set.push_back(one(range));
  return {{"set", set}};
}

void MatchExpressions(const Ruleset& ruleset, const Match& match, json& out) {
  using Kind = Match::Kind;
  const std::string address = AddressProtocol(match.family);
  switch (match.kind) {
    case Kind::kOutputLoopback:
      out.push_back(MatchOf(Meta("oif"), "lo"));
      break;
    case Kind::kInputLoopback:
      out.push_back(MatchOf(Meta("iif"), "lo"));
      break;
    case Kind::kConnectionEstablished:
      out.push_back(
          MatchOf({{"ct", {{"key", "state"}}}}, json::array({"established", "related"}), "in"));
      break;
    case Kind::kConnectionInvalid:
      out.push_back(MatchOf({{"ct", {{"key", "state"}}}}, "invalid", "in"));
      break;
    case Kind::kOutputInterfaceInSet:
      out.push_back(
          MatchOf(Meta(ByIndex(ruleset, match.set) ? "oif" : "oifname"), SetRef(match.set)));
      break;
    case Kind::kInputInterfaceInSet:
    case Kind::kInputInterfaceNotInSet:
      out.push_back(MatchOf(Meta(ByIndex(ruleset, match.set) ? "iif" : "iifname"),
                            SetRef(match.set),
                            match.kind == Kind::kInputInterfaceInSet ? "==" : "!="));
      break;
    case Kind::kDestinationInSet:
      out.push_back(MatchOf(Payload(address, "daddr"), SetRef(match.set)));
      break;
    case Kind::kSourceInSet:
      out.push_back(MatchOf(Payload(address, "saddr"), SetRef(match.set)));
      break;
    case Kind::kDestinationTupleInSet: {
      const NamedSet* set = ruleset.FindSet(match.set);
      json keys = json::array({Payload(address, "daddr")});
      if (set && set->kind == SetKind::kAddressPort) {
        keys.push_back(Payload("tcp", "dport"));
      } else {
        keys.push_back(Meta("l4proto"));
        keys.push_back(Payload("th", "dport"));
        if (set && set->kind == SetKind::kAddressProtoPortUid) keys.push_back(Meta("skuid"));
      }
      out.push_back(MatchOf({{"concat", keys}}, SetRef(match.set)));
      break;
    }
    case Kind::kProtocolIn:
      out.push_back(MatchOf(Meta("l4proto"), OneOrSet(TransportNames(match.protocols))));
      break;
    case Kind::kDestinationPortIn:
      PortMatches(match, "dport", out);
      break;
    case Kind::kDestinationPortRangeIn:
      if (match.protocols.size() == 1) {
        out.push_back(MatchOf(Payload(TransportName(match.protocols.front()), "dport"),
                              PortRanges(match.port_ranges)));
      } else {
        out.push_back(MatchOf(Meta("l4proto"), OneOrSet(TransportNames(match.protocols))));
        out.push_back(MatchOf(Payload("th", "dport"), PortRanges(match.port_ranges)));
      }
      break;
    case Kind::kSourcePortIn:
      PortMatches(match, "sport", out);
      break;
    case Kind::kUidIs:
      out.push_back(MatchOf(Meta("skuid"), match.uid));
      break;
    case Kind::kIcmpv6TypeIn:
      out.push_back(MatchOf(Payload("icmpv6", "type"), OneOrSet(match.icmpv6_types)));
      break;
    case Kind::kInputInterfaceIs:
      out.push_back(MatchOf(Meta("iifname"), match.interface));
      break;
    case Kind::kMarkIs:
      out.push_back(MatchOf(Meta("mark"), match.mark));
      break;
  }
}

json Element(const NamedSet& set, const SetElement& element) {
  const std::string address = element.network.base().ToString();
  switch (set.kind) {
    case SetKind::kInterface:
    case SetKind::kInterfaceIndex:
      return element.interface;
    case SetKind::kAddress:
      return address;
    case SetKind::kNetwork:
      if (element.network.is_host()) return address;
      return {{"prefix", {{"addr", address}, {"len", element.network.prefix_len()}}}};
    case SetKind::kAddressPort:
      return {{"concat", json::array({address, element.port})}};
    case SetKind::kAddressProtoPort:
      return {{"concat", json::array({address, TransportName(element.protocol), element.port})}};
    case SetKind::kAddressProtoPortUid:
      return {{"concat",
               json::array({address, TransportName(element.protocol), element.port, element.uid})}};
  }
  return nullptr;
}

std::string Underscored(std::string id) {
  for (char& c : id) {
    if (c == '-') c = '_';
  }
  return id;
}

std::string BlockChain(const Rule& rule) {
  return (rule.action == Action::kReject ? "reject_" : "drop_") + Underscored(rule.id);
}

const char* HookName(Hook hook) {
  switch (hook) {
    case Hook::kInput:
      return "input";
    case Hook::kOutput:
      return "output";
    case Hook::kForward:
      return "forward";
  }
  return "output";
}

}  // namespace

std::string RulesetListing(const Ruleset& ruleset) {
  json objects = json::array();
  uint64_t handle = 1;
  objects.push_back({{"table",
                      {{"family", "inet"},
                       {"name", kTable},
                       {"handle", handle++},
                       {"comment", nft::TableComment(ruleset)}}}});
  for (const auto& set : ruleset.sets) {
    json object = {{"family", "inet"}, {"name", set.name}, {"table", kTable}, {"handle", handle++}};
    if (set.kind == SetKind::kNetwork) object["flags"] = json::array({"interval"});
    if (!set.elements.empty()) {
      json elements = json::array();
      for (const auto& element : set.elements) elements.push_back(Element(set, element));
      object["elem"] = std::move(elements);
    }
    objects.push_back({{"set", std::move(object)}});
  }
  auto chain = [&](const std::string& name, const char* hook) {
    json object = {{"family", "inet"}, {"table", kTable}, {"name", name}, {"handle", handle++}};
    if (hook) {
      object.update({{"type", "filter"}, {"hook", hook}, {"prio", 0}, {"policy", "drop"}});
    }
    objects.push_back({{"chain", std::move(object)}});
  };
  auto rule = [&](const std::string& chain_name, json expressions, const std::string& comment) {
    json object = {{"family", "inet"},
                   {"table", kTable},
                   {"chain", chain_name},
                   {"handle", handle++},
                   {"expr", std::move(expressions)}};
    if (!comment.empty()) object["comment"] = comment;
    objects.push_back({{"rule", std::move(object)}});
  };
  // Blocked-packet chains in first-use order, as the renderer writes them.
  std::vector<const Rule*> block_rules;
  std::set<std::string> seen;
  for (const auto& c : ruleset.chains) {
    for (const auto& r : c.rules) {
      if (r.action != Action::kAccept && seen.insert(BlockChain(r)).second)
        block_rules.push_back(&r);
    }
  }
  for (const Rule* r : block_rules) chain(BlockChain(*r), nullptr);
  for (const auto& c : ruleset.chains) chain(c.name, HookName(c.hook));
  const json counter = {{"counter", {{"packets", 0}, {"bytes", 0}}}};
  for (const Rule* r : block_rules) {
    const char* verb = r->action == Action::kReject ? "reject" : "drop";
    rule(BlockChain(*r),
         json::array({{{"limit", {{"rate", 20}, {"burst", 40}, {"per", "second"}}}},
                      {{"log",
                        {{"prefix", std::string("netwarden ") + verb + " " + r->id + " "},
                         {"group", ruleset.log_group}}}}}),
         "");
    if (r->action == Action::kReject) {
      rule(BlockChain(*r),
           json::array({MatchOf(Meta("l4proto"), "tcp"), {{"reject", {{"type", "tcp reset"}}}}}),
           "");
      rule(BlockChain(*r),
           json::array({{{"reject", {{"type", "icmpx"}, {"expr", "admin-prohibited"}}}}}), "");
    } else {
      rule(BlockChain(*r), json::array({{{"drop", nullptr}}}), "");
    }
  }
  for (const auto& c : ruleset.chains) {
    for (const auto& r : c.rules) {
      json expressions = json::array();
      for (const auto& match : r.matches) MatchExpressions(ruleset, match, expressions);
      expressions.push_back(counter);
      if (r.action == Action::kAccept) {
        expressions.push_back({{"accept", nullptr}});
      } else {
        expressions.push_back({{"jump", {{"target", BlockChain(r)}}}});
      }
      rule(c.name, std::move(expressions), r.id);
    }
  }
  return json({{"nftables", std::move(objects)}}).dump();
}

std::string InspectionGuardListing(const std::string& inspection_interface) {
  const char* table = "netwarden_threats";
  json objects = json::array();
  objects.push_back({{"table", {{"family", "inet"}, {"name", table}, {"handle", 1}}}});
  objects.push_back({{"chain",
                      {{"family", "inet"},
                       {"table", table},
                       {"name", "inspect_guard"},
                       {"handle", 2},
                       {"type", "filter"},
                       {"hook", "postrouting"},
                       {"prio", -10},
                       {"policy", "accept"}}}});
  objects.push_back({{"rule",
                      {{"family", "inet"},
                       {"table", table},
                       {"chain", "inspect_guard"},
                       {"handle", 3},
                       {"expr", json::array({MatchOf(Meta("mark"), kInspectMark),
                                             MatchOf(Meta("oifname"), inspection_interface, "!="),
                                             {{"counter", {{"packets", 0}, {"bytes", 0}}}},
                                             {{"drop", nullptr}}})}}}});
  return json({{"nftables", std::move(objects)}}).dump();
}

}  // namespace netwarden::verify
