#pragma once
// The verifier's model of nftables tables, built from libnftables' JSON listing (`nft -j list
// table ...`): every base chain and regular chain, each rule's match as an exact region per
// address family, and its verdict. Set lookups, concatenations, anonymous sets, prefixes,
// ranges, interface names and indexes, protocol, ports, uid, mark and ct state are all exact.
// What cannot be expressed on these fields (rate limits, unknown matches) makes a rule "may
// match"; the evaluator then assumes the worst for the property (see docs/VERIFY.md).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "verify/header_space.h"

namespace netwarden::verify {

// Interface names as field values. A name never mentioned in the model has no id: every id
// without a name stands for "any other interface", which all behave alike.
class InterfaceNames {
 public:
  Value Id(const std::string& name);
  std::optional<Value> Find(const std::string& name) const;
  // The name of an id, or "" for an id no name was given to.
  std::string Name(Value id) const;
  // An id no name has (the lowest), for "any other interface".
  Value Unnamed() const { return names_.size(); }

 private:
  std::map<std::string, Value> ids_;
  std::vector<std::string> names_;
};

enum class VerdictKind : uint8_t { kNone, kAccept, kDrop, kReject, kJump, kGoto, kReturn };

struct ModelRule {
  std::string table;
  std::string chain;
  uint64_t handle = 0;
  std::string comment;
  std::array<Region, 2> match;  // [IPv4, IPv6]
  bool may_match = false;       // limit/quota or unmodelled match: an unknown part of `match`
  VerdictKind verdict = VerdictKind::kNone;
  std::string target;  // jump/goto

  const Region& For(IpFamily family) const { return match[family == IpFamily::kV4 ? 0 : 1]; }
};

struct ModelChain {
  std::string family;  // inet, ip or ip6: which address families its rules see
  std::string table;
  std::string name;
  std::string hook;  // "" for a regular chain
  std::string type;  // filter, route, nat
  int priority = 0;
  bool policy_accept = true;
  std::vector<ModelRule> rules;
};

struct Model {
  InterfaceNames interfaces;
  std::vector<ModelChain> chains;  // every table read, in listing order
  std::vector<std::string> tables;
  std::vector<std::string> notes;  // what was modelled conservatively, for people

  const ModelChain* Find(const std::string& table, const std::string& name) const;
  bool HasTable(const std::string& table) const;
};

// Adds the tables of one `nft -j list ...` output to the model. A listing of nothing (the table
// does not exist) adds nothing: a missing table is a table that filters nothing.
Result<void> AddListing(Model& model, const std::string& json_text);

}  // namespace netwarden::verify
