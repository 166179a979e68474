#pragma once
// The backend-neutral form of what the kernel must enforce: named sets (the parts a situation
// change updates) and ordered rules per hook. The nftables backend renders it; another backend
// (e.g. Windows Filtering Platform) would translate the same structure.

#include <cstdint>
#include <string>
#include <vector>

#include "core/ip.h"
#include "policy/policy.h"

namespace netwarden {

enum class SetKind : uint8_t {
  kInterface,            // interface names
  kInterfaceIndex,       // interfaces as they exist now: a re-created one (same name) is not in it
  kAddress,              // single addresses
  kNetwork,              // prefixes (interval set)
  kAddressPort,          // address . tcp port
  kAddressProtoPort,     // address . protocol . port
  kAddressProtoPortUid,  // address . protocol . port . socket owner uid
};

struct SetElement {
  std::string interface;
  IpNetwork network;  // a host prefix for address kinds
  Transport protocol = Transport::kUdp;
  uint16_t port = 0;
  uint32_t uid = 0;
};

struct NamedSet {
  std::string name;
  SetKind kind = SetKind::kAddress;
  IpFamily family = IpFamily::kV4;  // ignored for kInterface
  // Situational sets change with the situation and are rewritten in place; the others change
  // only with the policy and are part of the ruleset's structure.
  bool situational = true;
  std::string purpose;
  std::vector<SetElement> elements;
  // > 0: every element expires in the kernel after this many seconds unless the agent renews it
  // (trust and captive-portal windows: a frozen or dead agent cannot keep them open).
  uint32_t element_timeout_seconds = 0;
};

struct Match {
  enum class Kind : uint8_t {
    kOutputLoopback,
    kInputLoopback,
    kConnectionEstablished,  // established or related
    kConnectionInvalid,
    kOutputInterfaceInSet,
    kInputInterfaceInSet,
    kInputInterfaceNotInSet,
    kDestinationInSet,        // uses `family`
    kSourceInSet,             // uses `family`
    kDestinationTupleInSet,   // address . protocol . port [. uid], by the set's kind
    kProtocolIn,              // `protocols`
    kDestinationPortIn,       // `ports`, with `protocols`
    kDestinationPortRangeIn,  // `port_ranges`, with `protocols`
    kSourcePortIn,            // `ports`, with `protocols`
    kUidIs,                   // `uid`
    kIcmpv6TypeIn,            // `icmpv6_types`
    kInputInterfaceIs,        // `interface` (by name: the interface may come and go)
    kMarkIs,                  // `mark`
  };
  Kind kind;
  std::string set;
  IpFamily family = IpFamily::kV4;
  std::vector<Transport> protocols;
  std::vector<uint16_t> ports;
  uint32_t uid = 0;
  std::vector<std::string> icmpv6_types;
  std::string interface;
  uint32_t mark = 0;
  std::vector<PortRange> port_ranges;
};

enum class Action : uint8_t {
  kAccept,
  kReject,  // logged (rate-limited) and answered with TCP reset / ICMP admin-prohibited
  kDrop,    // logged (rate-limited) and dropped silently (inbound)
};

struct Rule {
  std::string id;  // a rule_id::k* name
  std::vector<Match> matches;
  Action action = Action::kAccept;
};

enum class Hook : uint8_t { kInput, kOutput, kForward };

struct Chain {
  std::string name;
  Hook hook = Hook::kOutput;
  std::vector<Rule> rules;  // evaluated in order; anything unmatched is dropped (policy drop)
};

struct Ruleset {
  std::vector<NamedSet> sets;
  std::vector<Chain> chains;
  uint16_t log_group = 0;
  // Report mode (`vpn: {mode: report}`): every reject/drop rule logs `netwarden would-block RULE`
  // and accepts instead, and the chains' policy is accept. The rules and their order are those
  // of enforce mode, so explain names the same rule.
  bool report_only = false;

  const NamedSet* FindSet(const std::string& name) const;
};

}  // namespace netwarden
