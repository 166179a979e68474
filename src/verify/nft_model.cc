#include "verify/nft_model.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "verify/nft_values.h"

namespace netwarden::verify {
namespace {

using nlohmann::json;
using Interval = IntervalSet::Interval;
constexpr IpFamily kFamilies[] = {IpFamily::kV4, IpFamily::kV6};

// The sets of the listing, by (table, name): their elements are read when a rule uses them, with
// the field encoding of the rule's left side.
using SetElements = std::map<std::pair<std::string, std::string>, json>;

struct RuleContext {
  Model& model;
  const SetElements& sets;
  std::string table;
  uint64_t handle = 0;
};

Error RuleError(const RuleContext& context, const std::string& message,
                ErrorCode code = ErrorCode::kInvalidArgument) {
  return MakeError(
      code, fmt::format("table {} rule handle {}: {}", context.table, context.handle, message));
}

// The cube of packets a selector can see at all in `family` (its implied dependencies).
std::optional<Cube> Dependencies(const std::vector<Selector>& selectors, IpFamily family) {
  Cube cube = FullCube(family);
  for (const auto& selector : selectors) {
    if (selector.family && *selector.family != family) return std::nullopt;
    if (selector.l4proto) {
      auto fixed = Share(IntervalSet::Point(*selector.l4proto));
      if (!cube[kL4proto].Intersects(*fixed)) return std::nullopt;
      cube.fields[kL4proto] = Intersect(cube.fields[kL4proto], fixed);
    }
  }
  return cube;
}

// icmp types live in the high byte of the transport header's first two bytes.
void EncodeForField(const Selector& selector, std::vector<Interval>& intervals) {
  if (selector.kind != ValueKind::kIcmpType && selector.kind != ValueKind::kIcmpv6Type) return;
  for (auto& interval : intervals) interval = {interval.lo << 8, (interval.hi << 8) | 0xff};
}

Result<IntervalSet> FieldValues(RuleContext& context, const Selector& selector, const json& value) {
  std::vector<Interval> intervals;
  if (auto added = AppendValue(value, selector.kind, context.model.interfaces, intervals); !added) {
    return RuleError(context, added.error().message, added.error().code);
  }
  EncodeForField(selector, intervals);
  return IntervalSet::FromIntervals(std::move(intervals));
}

// The elements a right side stands for: a named set's, an anonymous set's, or one value.
const json* Elements(const RuleContext& context, const json& right, json& single) {
  if (right.is_string() && !right.get<std::string>().empty() &&
      right.get<std::string>()[0] == '@') {
    auto found = context.sets.find({context.table, right.get<std::string>().substr(1)});
    return found == context.sets.end() ? nullptr : &found->second;
  }
  if (right.is_object() && right.contains("set")) return &right["set"];
  single = json::array({right});
  return &single;
}

// Positive region of `selectors` (one, or a concatenation) taking the values on the right.
Result<Region> PositiveRegion(RuleContext& context, const std::vector<Selector>& selectors,
                              const json& right, IpFamily family) {
  Region region;
  auto base = Dependencies(selectors, family);
  if (!base) return region;
  json single;
  const json* elements = Elements(context, right, single);
  if (!elements)
    return RuleError(context, "refers to a set that is not in the listing: " + right.dump());
  if (selectors.size() == 1) {
    std::vector<Interval> intervals;
    for (const auto& element : *elements) {
      if (auto added = AppendValue(element, selectors[0].kind, context.model.interfaces, intervals);
          !added) {
        return RuleError(context, added.error().message, added.error().code);
      }
    }
    EncodeForField(selectors[0], intervals);
    IntervalSet values = IntervalSet::FromIntervals(std::move(intervals));
    values = values.Intersect(*base->fields[selectors[0].field]);
    if (values.empty()) return region;
    base->fields[selectors[0].field] = Share(std::move(values));
    region.push_back(std::move(*base));
    return region;
  }
  for (const auto& wrapped : *elements) {
    const json& element =
        wrapped.is_object() && wrapped.contains("elem") ? wrapped["elem"]["val"] : wrapped;
    if (!element.is_object() || !element.contains("concat") ||
        element["concat"].size() != selectors.size()) {
      return RuleError(context,
                       "a concatenation's element does not match its key: " + element.dump());
    }
    Cube cube = *base;
    bool empty = false;
    for (size_t i = 0; i < selectors.size() && !empty; ++i) {
      auto values = FieldValues(context, selectors[i], element["concat"][i]);
      if (!values) return values.error();
      IntervalSet kept = values->Intersect(*cube.fields[selectors[i].field]);
      empty = kept.empty();
      cube.fields[selectors[i].field] = Share(std::move(kept));
    }
    if (!empty) region.push_back(std::move(cube));
  }
  return region;
}

Region Negate(const Region& positive, const std::vector<Selector>& selectors, IpFamily family) {
  // `!=` still needs the dependencies: `tcp dport != 22` is false for a udp packet.
  auto base = Dependencies(selectors, family);
  if (!base) return {};
  return Subtract(Region{*base}, positive);
}

// `meta nfproto ipv4` and friends: all of one family, none of the other.
std::optional<bool> FamilyMatch(const json& left, const json& right, IpFamily family) {
  if (!left.is_object() || !left.contains("meta") || !right.is_string()) return std::nullopt;
  const std::string key = left["meta"].value("key", "");
  if (key != "nfproto" && key != "protocol") return std::nullopt;
  const std::string value = right.get<std::string>();
  if (value == "ipv4" || value == "ip") return family == IpFamily::kV4;
  if (value == "ipv6" || value == "ip6") return family == IpFamily::kV6;
  return std::nullopt;
}

// One `match` expression's region in `family`; nullopt when the model cannot express it.
Result<std::optional<Region>> MatchRegion(RuleContext& context, const json& match,
                                          IpFamily family) {
  const std::string op = match.value("op", "==");
  const json& left = match.contains("left") ? match["left"] : json();
  const json& right = match.contains("right") ? match["right"] : json();
  const bool negated = op == "!=";
  if (op != "==" && op != "!=" && op != "in") return std::optional<Region>();
  if (auto same = FamilyMatch(left, right, family)) {
    const bool holds = *same != negated;
    return std::optional<Region>(holds ? Region{FullCube(family)} : Region{});
  }
  std::vector<Selector> selectors;
  if (left.is_object() && left.contains("concat")) {
    for (const auto& part : left["concat"]) {
      auto selector = ParseSelector(part);
      if (!selector) return std::optional<Region>();
      selectors.push_back(*selector);
    }
  } else if (auto selector = ParseSelector(left)) {
    selectors.push_back(*selector);
  } else {
    return std::optional<Region>();
  }
  auto positive = PositiveRegion(context, selectors, right, family);
  if (!positive && positive.error().code == ErrorCode::kUnsupported) return std::optional<Region>();
  if (!positive) return positive.error();
  return std::optional<Region>(negated ? Negate(*positive, selectors, family)
                                       : std::move(*positive));
}

Result<ModelRule> ParseRule(RuleContext& context, const json& rule) {
  ModelRule out;
  out.table = context.table;
  out.chain = rule.value("chain", "");
  out.handle = rule.value("handle", uint64_t{0});
  out.comment = rule.value("comment", "");
  context.handle = out.handle;
  for (IpFamily family : kFamilies) out.match[family == IpFamily::kV4 ? 0 : 1] = {FullCube(family)};
  if (!rule.contains("expr") || !rule["expr"].is_array()) return out;
  for (const auto& statement : rule["expr"]) {
    if (!statement.is_object() || statement.empty())
      return RuleError(context, "an empty statement");
    const std::string kind = statement.begin().key();
    if (kind == "match") {
      for (IpFamily family : kFamilies) {
        auto region = MatchRegion(context, statement["match"], family);
        if (!region) return region.error();
        auto& current = out.match[family == IpFamily::kV4 ? 0 : 1];
        if (!*region) {
          out.may_match = true;  // unknown: an unknown part of what the other matches select
          continue;
        }
        current = Intersect(current, **region);
      }
      if (out.may_match && context.model.notes.size() < 50) {
        context.model.notes.push_back(fmt::format(
            "table {} rule handle {}: a match the model does not know ({}) is treated as "
            "'may match'",
            context.table, out.handle, statement["match"].dump().substr(0, 120)));
      }
    } else if (kind == "counter" || kind == "log") {
      // No effect on the verdict.
    } else if (kind == "limit" || kind == "quota") {
      out.may_match = true;  // true for some packets, false for others
    } else if (kind == "accept" || kind == "queue") {
      out.verdict = VerdictKind::kAccept;
    } else if (kind == "drop") {
      out.verdict = VerdictKind::kDrop;
    } else if (kind == "reject") {
      out.verdict = VerdictKind::kReject;
    } else if (kind == "return") {
      out.verdict = VerdictKind::kReturn;
    } else if (kind == "continue") {
      out.verdict = VerdictKind::kNone;
    } else if (kind == "jump" || kind == "goto") {
      out.verdict = kind == "jump" ? VerdictKind::kJump : VerdictKind::kGoto;
      out.target = statement[kind].value("target", "");
    } else {
      // A statement that changes the packet or its path (mangle, nat, notrack, ...) or decides
      // by a map: later matches would see other values than the model's.
      return RuleError(context,
                       "the statement '" + kind +
                           "' is not modelled (it changes the packet or its path, or "
                           "decides by a map): the rules cannot be verified",
                       ErrorCode::kUnsupported);
    }
  }
  if (out.may_match && (out.verdict == VerdictKind::kJump || out.verdict == VerdictKind::kGoto ||
                        out.verdict == VerdictKind::kReturn)) {
    return RuleError(context, "a rate-limited or unmodelled jump/goto/return cannot be verified",
                     ErrorCode::kUnsupported);
  }
  return out;
}

}  // namespace

Value InterfaceNames::Id(const std::string& name) {
  if (auto found = ids_.find(name); found != ids_.end()) return found->second;
  const Value id = names_.size();
  ids_.emplace(name, id);
  names_.push_back(name);
  return id;
}

std::optional<Value> InterfaceNames::Find(const std::string& name) const {
  if (auto found = ids_.find(name); found != ids_.end()) return found->second;
  return std::nullopt;
}

std::string InterfaceNames::Name(Value id) const {
  return id < names_.size() ? names_[static_cast<size_t>(id)] : std::string();
}

const ModelChain* Model::Find(const std::string& table, const std::string& name) const {
  for (const auto& chain : chains) {
    if (chain.table == table && chain.name == name) return &chain;
  }
  return nullptr;
}

bool Model::HasTable(const std::string& table) const {
  return std::find(tables.begin(), tables.end(), table) != tables.end();
}

namespace {

Result<void> AddDocument(Model& model, const std::string& json_text) {
  const json document = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object() || !document.contains("nftables") ||
      !document["nftables"].is_array()) {
    return MakeError(ErrorCode::kInvalidArgument, "the listing is not nftables JSON");
  }
  SetElements sets;
  for (const auto& object : document["nftables"]) {
    if (object.contains("table")) {
      model.tables.push_back(object["table"].value("name", ""));
    } else if (object.contains("set") || object.contains("map")) {
      const auto& set = object.contains("set") ? object["set"] : object["map"];
      if (object.contains("map")) {
        return MakeError(ErrorCode::kUnsupported,
                         "verdict maps are not emitted by netwarden and not modelled");
      }
      sets[{set.value("table", ""), set.value("name", "")}] =
          set.contains("elem") ? set["elem"] : json::array();
    } else if (object.contains("chain")) {
      const auto& chain = object["chain"];
      ModelChain out;
      out.family = chain.value("family", "inet");
      out.table = chain.value("table", "");
      out.name = chain.value("name", "");
      out.hook = chain.value("hook", "");
      out.type = chain.value("type", "");
      out.priority = chain.contains("prio") && chain["prio"].is_number_integer()
                         ? chain["prio"].get<int>()
                         : 0;
      out.policy_accept = chain.value("policy", "accept") != "drop";
      model.chains.push_back(std::move(out));
    }
  }
  for (const auto& object : document["nftables"]) {
    if (!object.contains("rule")) continue;
    const auto& rule = object["rule"];
    RuleContext context{model, sets, rule.value("table", ""), 0};
    auto parsed = ParseRule(context, rule);
    if (!parsed) return parsed.error();
    ModelChain* chain = nullptr;
    for (auto& candidate : model.chains) {
      if (candidate.table == parsed->table && candidate.name == parsed->chain) chain = &candidate;
    }
    if (!chain) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "a rule of a chain not in the listing: " + parsed->chain);
    }
    chain->rules.push_back(std::move(*parsed));
  }
  return Ok();
}

}  // namespace

Result<void> AddListing(Model& model, const std::string& json_text) {
  // nlohmann::json throws on a value of an unexpected type: a malformed listing is an error value.
  try {
    return AddDocument(model, json_text);
  } catch (const json::exception& error) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("malformed nftables JSON: ") + error.what());
  }
}

}  // namespace netwarden::verify
