#pragma once
// The table of its own, `inet netwarden_threats`: replacing the forced-VPN table never touches
// millions of reputation elements, and this table's chains run first (priority filter - 10).
// Per feed four sets (so block events name the feed and explain is exact):
//   f_<feed>_v4 / f_<feed>_v6     single addresses, hash sets
//   f_<feed>_v4n / f_<feed>_v6n   prefixes, interval sets
// and a chain a_<feed> holding the action. nft text is used only for this small skeleton; the
// elements always go through set_batch (netlink batches).

#include <cstdint>
#include <string>
#include <vector>

#include "core/ip.h"
#include "policy/threats_policy.h"

namespace netwarden::threats {

inline constexpr const char* kThreatTable = "netwarden_threats";
inline constexpr int kThreatLogGroup = 6575;
using ::netwarden::kInspectMark;  // fwmark routed into the inspection interface

std::string SetName(const std::string& feed, IpFamily family, bool interval);

// Creates the table and every feed's sets if missing; never changes existing elements.
std::string RenderSetsScript(const ThreatPolicy& threats);

// What a refresh deletes: the action chains and sets of feeds the policy no longer has (only
// those present: deleting a missing object would fail the whole transaction).
struct StaleObjects {
  std::vector<std::string> chains, sets;
};

// Replaces the chains and rules (one nft transaction) and deletes `stale`.
std::string RenderRulesScript(const ThreatPolicy& threats, const StaleObjects& stale);

// The log prefix of a feed's events: "nwthreat <action> <feed> " (NFLOG allows 127 bytes).
std::string LogPrefix(const ThreatFeed& feed);

}  // namespace netwarden::threats
