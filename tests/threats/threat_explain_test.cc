// The explain answer with threat feeds: the first feed in policy order decides, `block` overrides
// whatever the forced-VPN policy allows, `log` keeps the verdict, `inspect` is judged on the
// inspection interface, and the covering entry is named.
#include <gtest/gtest.h>

#include "compiler/compiler.h"
#include "compiler/ruleset_eval.h"
#include "decision/decide.h"
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
      {"second",
       {{*IpNetwork::Parse("203.0.113.0/30"), *IpNetwork::Parse("203.0.113.64/26")}, true}},
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
  EXPECT_EQ(answer.flow.mark, kInspectMark);
  EXPECT_NE(answer.decision.reason.find("inspection interface wg-inspect"), std::string::npos);
  // The forced-VPN rules let the marked flow out the inspection interface, and the compiled
  // ruleset the kernel gets says the same.
  EXPECT_EQ(answer.decision.verdict, Verdict::kAllow);
  EXPECT_EQ(answer.decision.rule, "inspection");
  EXPECT_EQ(EvaluateOutput(Compile(effective), answer.flow).rule, "inspection");
}

TEST_F(Fixture, InspectionInterfaceCarriesOnlyMarkedPackets) {
  // Unmarked traffic routed into the inspection interface is judged like any other interface.
  Flow flow{FlowProtocol::kTcp, *IpAddress::Parse("192.0.2.99"), 443, 0, "wg-inspect", 1000};
  const Decision decision = DecideOutbound(effective, flow);
  EXPECT_EQ(decision.verdict, Verdict::kReject);
  const auto compiled = EvaluateOutput(Compile(effective), flow);
  EXPECT_EQ(compiled.action, Action::kReject);
  EXPECT_EQ(compiled.rule, decision.rule);
}

TEST_F(Fixture, InspectionInterfaceIsNeverTheTunnel) {
  // "wg*" matches wg-inspect, but it carries only marked packets: not a tunnel, no tunnel state.
  const EffectivePolicy up = Resolve(policy, Situation{{{"eth0", {}}, {"wg-inspect", {}}}, {}, {}, {}, false});
  EXPECT_FALSE(up.IsTunnel("wg-inspect"));
  EXPECT_TRUE(up.tunnel_interfaces.empty());
  const EffectivePolicy vpn = Resolve(policy, Situation{{{"eth0", {}}, {"wg0", {}}}, {}, {}, {}, false});
  EXPECT_TRUE(vpn.IsTunnel("wg0"));
}

TEST(InspectionRule, AbsentWithoutAnInspectFeed) {
  auto policy = *ParsePolicy(
      "version: 1\nvpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]}\n"
      "threat_feeds: [{name: a, url: \"file:///dev/null\", action: block}]\n"
      "inspection: {interface: wg-inspect}\n",
      "p.yaml");
  const EffectivePolicy effective = Resolve(policy, Situation{});
  EXPECT_TRUE(effective.inspection_interface.empty());
  Flow flow{FlowProtocol::kTcp, *IpAddress::Parse("192.0.2.99"), 443, 0, "wg-inspect", 0,
            kInspectMark};
  EXPECT_EQ(EvaluateOutput(Compile(effective), flow).action, Action::kReject);
}

}  // namespace
}  // namespace netwarden::threats
