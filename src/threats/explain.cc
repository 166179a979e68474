#include "threats/explain.h"

#include "decision/decide.h"
#include "threats/feed_cache.h"
#include "threats/feed_parser.h"
#include "threats/merge.h"

namespace netwarden::threats {

FeedLists LoadFeedLists(const std::string& cache_directory) {
  FeedCache cache(cache_directory);
  FeedLists lists;
  for (const auto& name : cache.FeedNames()) {
    if (auto applied = cache.ReadApplied(name)) {
      lists[name] = {std::move(*applied), true};
    } else if (auto text = cache.ReadFeed(name)) {
      lists[name] = {MergeEntries(ParseFeed(*text, FeedFormat::kAuto).entries), false};
    }
  }
  return lists;
}

std::vector<FeedMatch> MatchLists(const FeedLists& lists, const IpAddress& address) {
  std::vector<FeedMatch> matches;
  for (const auto& [name, list] : lists) {
    if (const IpNetwork* entry = FindCovering(list.entries, address)) {
      matches.push_back({name, *entry, list.enforced});
    }
  }
  return matches;
}

std::vector<FeedMatch> MatchLists(const HeldLists& lists, const IpAddress& address) {
  std::vector<FeedMatch> matches;
  for (const auto& [name, list] : lists) {
    if (const IpNetwork* entry = FindCovering(list, address)) matches.push_back({name, *entry, true});
  }
  return matches;
}

std::vector<FeedMatch> ExplainAddress(const std::string& cache_directory,
                                      const IpAddress& address) {
  return MatchLists(LoadFeedLists(cache_directory), address);
}

std::optional<ThreatVerdict> DecidingFeed(const ThreatPolicy& threats,
                                          const std::vector<FeedMatch>& matches) {
  for (const auto& feed : threats.feeds) {
    for (const auto& match : matches) {
      if (match.feed == feed.name)
        return ThreatVerdict{feed.name, feed.action, match.entry, match.enforced};
    }
  }
  return std::nullopt;
}

std::string ThreatRuleId(const std::string& feed) { return "threat-feed:" + feed; }

nlohmann::json ThreatVerdictJson(const ThreatVerdict& threat) {
  return {{"feed", threat.feed},
          {"entry", threat.entry.ToString()},
          {"action", ThreatActionName(threat.action)},
          {"enforced", threat.enforced}};
}

ThreatAwareDecision DecideWithThreats(const EffectivePolicy& effective, const ThreatPolicy& threats,
                                      Flow flow, const std::vector<FeedMatch>& matches) {
  ThreatAwareDecision answer;
  answer.threat = DecidingFeed(threats, matches);
  if (answer.threat && answer.threat->action == ThreatAction::kInspect) {
    flow.output_interface = threats.inspection_interface;
    flow.mark = kInspectMark;
  }
  answer.flow = flow;
  answer.decision = DecideOutbound(effective, flow);
  if (!answer.threat) return answer;
  const ThreatVerdict& threat = *answer.threat;
  const std::string listed = "listed by threat feed '" + threat.feed + "' as " +
                             threat.entry.ToString() +
                             (threat.enforced ? "" : " (last good copy, not loaded)");
  switch (threat.action) {
    case ThreatAction::kBlock:
      answer.decision = {Verdict::kReject, ThreatRuleId(threat.feed),
                         listed + "; the threat table rejects it before the forced-VPN rules",
                         std::nullopt};
      break;
    case ThreatAction::kInspect:
      answer.decision.reason = listed + "; routed into the inspection interface " +
                               threats.inspection_interface + ", where: " + answer.decision.reason;
      break;
    case ThreatAction::kLog:
      answer.decision.reason += " (" + listed + ": logged)";
      break;
  }
  return answer;
}

}  // namespace netwarden::threats
