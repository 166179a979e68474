// Report mode (`vpn: {mode: report}`) blocks nothing of the forced VPN's and logs what it would
// block; enforce mode is byte-for-byte what it was (the golden baselines pin it too).
#include <gtest/gtest.h>

#include <sstream>

#include "compiler/compiler.h"
#include "dataplane/nft/nft_renderer.h"
#include "decision/decide.h"
#include "policy/policy_parser.h"
#include "policy/rule_ids.h"

namespace netwarden {
namespace {

const std::string kBody = R"(
  gateways: [{address: 198.51.100.1, protocol: udp, port: 51820}]
  tunnel_interfaces: ["wg*"]
exceptions:
  lan: private
  dns_resolvers: [192.168.1.1]
)";

std::string Render(const std::string& mode_line) {
  auto policy = ParsePolicy("version: 1\nvpn:" + mode_line + kBody, "p.yaml");
  EXPECT_TRUE(policy) << policy.error().ToString();
  return nft::RenderTable(Compile(Resolve(*policy, {})));
}

TEST(ReportMode, EnforceIsTheDefaultAndUnchanged) {
  EXPECT_EQ(Render(""), Render("\n  mode: enforce"));
}

TEST(ReportMode, BlocksNothingAndLogsWhatItWouldBlock) {
  const std::string enforce = Render("");
  const std::string report = Render("\n  mode: report");
  EXPECT_NE(enforce, report);
  std::istringstream lines(report);
  std::string line;
  int jumps = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(line.find("reject"), std::string::npos) << line;
    EXPECT_EQ(line.find("policy drop"), std::string::npos) << line;
    EXPECT_NE(line, "\t\tdrop");
    if (line.find(" jump ") != std::string::npos) {
      ++jumps;
      EXPECT_NE(line.find("jump would_block_"), std::string::npos) << line;
    }
  }
  EXPECT_GT(jumps, 0);
  EXPECT_NE(report.find("log prefix \"netwarden would-block default-block \" group 6574"),
            std::string::npos);
  EXPECT_NE(report.find("log prefix \"netwarden would-block dns-block \" group 6574"),
            std::string::npos);
  EXPECT_NE(report.find("limit rate 20/second burst 40 packets log prefix \"netwarden would-block"),
            std::string::npos);
  EXPECT_NE(report.find("policy accept;"), std::string::npos);
}

TEST(ReportMode, DecisionSaysWouldReject) {
  auto policy = ParsePolicy("version: 1\nvpn:\n  mode: report" + kBody, "p.yaml");
  ASSERT_TRUE(policy) << policy.error().ToString();
  const EffectivePolicy effective = Resolve(*policy, {});
  Flow web{FlowProtocol::kTcp, *IpAddress::Parse("192.0.2.80"), 443, 0, "eth0", 1000};
  const Decision blocked = DecideOutbound(effective, web);
  EXPECT_EQ(blocked.verdict, Verdict::kWouldReject);
  EXPECT_STREQ(VerdictName(blocked.verdict), "would-reject");
  EXPECT_EQ(blocked.rule, rule_id::kDefaultBlock);
  EXPECT_NE(blocked.reason.find("report mode"), std::string::npos);
  Flow dns{FlowProtocol::kUdp, *IpAddress::Parse("8.8.8.8"), 53, 0, "eth0", 1000};
  EXPECT_EQ(DecideOutbound(effective, dns).rule, rule_id::kDnsBlock);
  EXPECT_EQ(DecideOutbound(effective, dns).verdict, Verdict::kWouldReject);
  Flow gateway{FlowProtocol::kUdp, *IpAddress::Parse("198.51.100.1"), 51820, 0, "eth0", 1000};
  EXPECT_EQ(DecideOutbound(effective, gateway).verdict, Verdict::kAllow);
}

}  // namespace
}  // namespace netwarden
