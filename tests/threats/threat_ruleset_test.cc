// The threat table's rules as rendered for libnftables.
#include "threats/threat_ruleset.h"

#include <gtest/gtest.h>

#include <sstream>

namespace netwarden::threats {
namespace {

std::vector<std::string> LinesWith(const std::string& script, const std::string& needle) {
  std::vector<std::string> found;
  std::istringstream in(script);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) found.push_back(line);
  }
  return found;
}

// Issue 14 item 7: a local user must not be able to flood the agent's NFLOG socket by opening
// connections to a listed address; every log rule carries its own kernel rate limit.
TEST(ThreatRuleset, EveryLogRuleIsRateLimitedInTheKernel) {
  ThreatPolicy policy;
  for (auto [name, action] :
       {std::pair{"b", ThreatAction::kBlock}, std::pair{"l", ThreatAction::kLog},
        std::pair{"i", ThreatAction::kInspect}}) {
    ThreatFeed feed;
    feed.name = name;
    feed.action = action;
    policy.feeds.push_back(feed);
  }
  policy.inspection_interface = "wg-inspect";
  const auto logs = LinesWith(RenderRulesScript(policy, {}), " log prefix ");
  ASSERT_EQ(logs.size(), 3u);
  for (const auto& line : logs) {
    const size_t limit = line.find("limit rate 20/second burst 50 packets");
    ASSERT_NE(limit, std::string::npos) << line;
    EXPECT_LT(limit, line.find(" log prefix ")) << line;
  }
  // The verdicts are separate rules: the limit only drops log messages, never the action.
  EXPECT_EQ(LinesWith(RenderRulesScript(policy, {}), "a_l accept").size(), 1u);
  EXPECT_EQ(LinesWith(RenderRulesScript(policy, {}), "a_i meta mark set").size(), 1u);
}

}  // namespace
}  // namespace netwarden::threats
