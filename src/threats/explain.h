#pragma once
// Which feed lists an address, and the entry (the covering prefix) that matches it — answered
// from the cached lists (or the agent's copy of them), never by dumping kernel sets.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"
#include "decision/flow.h"
#include "policy/threats_policy.h"
#include "situation/effective_policy.h"
#include "threats/update_plan.h"

namespace netwarden::threats {

struct FeedMatch {
  std::string feed;
  IpNetwork entry;
  bool enforced = false;  // from the list now in the kernel (else from the last good copy)
};

// Merged lists by feed name: what the kernel holds (enforced), or else the last good copy.
struct FeedList {
  std::vector<IpNetwork> entries;
  bool enforced = false;
};
using FeedLists = std::map<std::string, FeedList>;

// Every cached feed's list (read once; 1 M entries take about a second to parse).
FeedLists LoadFeedLists(const std::string& cache_directory);

// Every feed whose list covers `address`.
std::vector<FeedMatch> MatchLists(const FeedLists& lists, const IpAddress& address);
// The same over the lists the kernel holds (every match is enforced).
std::vector<FeedMatch> MatchLists(const HeldLists& lists, const IpAddress& address);

// Every cached feed whose list covers `address`.
std::vector<FeedMatch> ExplainAddress(const std::string& cache_directory, const IpAddress& address);

// The feed whose action a packet to the address meets: the first feed in policy order whose list
// covers it (the threat table's chain jumps to that feed's action and ends there).
struct ThreatVerdict {
  std::string feed;
  ThreatAction action = ThreatAction::kBlock;
  IpNetwork entry;
  bool enforced = false;
};
std::optional<ThreatVerdict> DecidingFeed(const ThreatPolicy& threats,
                                          const std::vector<FeedMatch>& matches);

// The whole answer for an outbound flow: the threat table runs before the forced-VPN rules, so a
// `block` feed rejects whatever the policy says, `inspect` sends the flow into the inspection
// interface (where the forced-VPN rules judge it), `log` changes nothing but is reported.
struct ThreatAwareDecision {
  Decision decision;
  Flow flow;  // as judged (the output interface is the inspection one for `inspect`)
  std::optional<ThreatVerdict> threat;
};
ThreatAwareDecision DecideWithThreats(const EffectivePolicy& effective, const ThreatPolicy& threats,
                                      Flow flow, const std::vector<FeedMatch>& matches);

// {feed, entry, action, enforced}: the "threat" part of explain answers (CLI and agent).
nlohmann::json ThreatVerdictJson(const ThreatVerdict& threat);

// Rule id of a feed's verdict in explain answers: "threat-feed:<name>".
std::string ThreatRuleId(const std::string& feed);

}  // namespace netwarden::threats
