// The explain answer with threat feeds: the first feed in policy order decides, `block` overrides
// whatever the forced-VPN policy allows, `log` keeps the verdict, `inspect` is judged on the
// inspection interface, and the covering entry is named.
#include <gtest/gtest.h>

#include "policy/policy_parser.h"
#include "threats/explain.h"

namespace netwarden::threats {
namespace {

constexpr const char* kPolicy = R"(version: 1
vpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}], tunnel_interfaces: ["wg*"]}
exceptions:
  breakout: [{cidr: 203.0.113.0/24}]
threat_feeds:
  - {name: first, url: "file:///dev/null", action: log}
  - {name: second, url: "file:///dev/null", action: block}
  - {name: grey, url: "file:///dev/null", action: inspect}
inspection: {interface: wg-inspect}
)";

struct Fixture : ::testing::Test {
  Policy policy = *ParsePolicy(kPolicy, "policy.yaml");
  EffectivePolicy effective = Resolve(policy, Situation{{{"eth0", {}}}, {}, {}, {}, false});
  FeedLists lists = {
      {"first", {{*IpNetwork::Parse("203.0.113.0/28")}, true}},
      {"second", {{*IpNetwork::Parse("203.0.113.0/30"), *IpNetwork::Parse("203.0.113.64/26")}, true}},
      {"grey", {{*IpNetwork::Parse("198.18.0.0/15")}, false}},
  };
  ThreatAwareDecision Answer(const char* destination) {
    Flow flow{FlowProtocol::kTcp, *IpAddress::Parse(destination), 443, 0, "eth0", 1000};
    return DecideWithThreats(effective, policy.threats, flow, MatchLists(lists, flow.destination));
  }
};

TEST_F(Fixture, UnlistedAddressKeepsThePolicyVerdict) {
  const auto answer = Answer("203.0.113.200");
  EXPECT_FALSE(answer.threat);
  EXPECT_EQ(answer.decision.verdict, Verdict::kAllow);  // breakout
}

TEST_F(Fixture, BlockFeedRejectsAndNamesTheCoveringEntry) {
  const auto answer = Answer("203.0.113.70");
  ASSERT_TRUE(answer.threat);
  EXPECT_EQ(answer.threat->feed, "second");
  EXPECT_EQ(answer.threat->entry.ToString(), "203.0.113.64/26");
  EXPECT_EQ(answer.decision.verdict, Verdict::kReject);
  EXPECT_EQ(answer.decision.rule, "threat-feed:second");
  EXPECT_NE(answer.decision.reason.find("203.0.113.64/26"), std::string::npos);
}

TEST_F(Fixture, FirstFeedInPolicyOrderDecides) {
  // Listed by both: the log feed comes first, so the packet is logged and the policy decides.
  const auto answer = Answer("203.0.113.2");
  ASSERT_TRUE(answer.threat);
  EXPECT_EQ(answer.threat->feed, "first");
  EXPECT_EQ(answer.threat->action, ThreatAction::kLog);
  EXPECT_EQ(answer.decision.verdict, Verdict::kAllow);
  EXPECT_NE(answer.decision.reason.find("logged"), std::string::npos);
}

TEST_F(Fixture, InspectIsJudgedOnTheInspectionInterface) {
  const auto answer = Answer("198.18.3.4");
  ASSERT_TRUE(answer.threat);
  EXPECT_EQ(answer.threat->action, ThreatAction::kInspect);
  EXPECT_FALSE(answer.threat->enforced);  // from a last good copy, not the kernel
  EXPECT_EQ(answer.flow.output_interface, "wg-inspect");
  EXPECT_NE(answer.decision.reason.find("inspection interface wg-inspect"), std::string::npos);
}

}  // namespace
}  // namespace netwarden::threats
