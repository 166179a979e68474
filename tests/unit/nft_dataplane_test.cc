// The nftables backend's logic against a fake runner: which transaction it sends, and that a
// refused transaction or a wrong read-back is reported. The real kernel is exercised by
// tests/kernel/apply_test.sh and the lab tests.
#include "dataplane/nft/nft_dataplane.h"

#include <gtest/gtest.h>

#include "compiler/compiler.h"
#include "dataplane/nft/nft_renderer.h"
#include "policy/policy_parser.h"

namespace netwarden::nft {
namespace {

// Remembers scripts; answers listings from canned text; can refuse scripts containing a word.
class FakeRunner : public NftRunner {
 public:
  Result<std::string> Run(const std::string& script, bool json_output) override {
    scripts.push_back(script);
    if (!refuse_containing.empty() && script.find(refuse_containing) != std::string::npos) {
      return MakeError(ErrorCode::kKernel, "nftables refused the transaction: Invalid argument");
    }
    if (script.rfind("list table", 0) == 0) {
      if (installed_text.empty()) {
        return MakeError(ErrorCode::kKernel, "Error: No such file or directory");
      }
      return json_output ? installed_json : installed_text;
    }
    return std::string();
  }
  std::vector<std::string> scripts;
  std::string installed_text;
  std::string installed_json;
  std::string refuse_containing;
};

Ruleset Compiled(const std::string& policy_text, const Situation& situation = {}) {
  auto policy = ParsePolicy(policy_text, "p.yaml");
  EXPECT_TRUE(policy);
  return Compile(Resolve(*policy, situation));
}

const char* kPolicy =
    "version: 1\nvpn:\n  gateways:\n    - {host: vpn.example.net, protocol: udp, port: 51820}\n"
    "  tunnel_interfaces: [wg*]\n";

TEST(StructureDigest, SituationChangesOnlySets) {
  Situation home;
  home.interfaces = {{"eth0", {}}};
  Situation tunnel = home;
  tunnel.interfaces.push_back({"wg0", {{*IpAddress::Parse("10.99.0.2"), 32}}});
  tunnel.resolved["vpn.example.net"] = {*IpAddress::Parse("198.51.100.1")};
  EXPECT_EQ(StructureDigest(Compiled(kPolicy, home)), StructureDigest(Compiled(kPolicy, tunnel)));
  EXPECT_NE(RenderTable(Compiled(kPolicy, home)), RenderTable(Compiled(kPolicy, tunnel)));
  const std::string with_lan = std::string(kPolicy) + "exceptions: {lan: private}\n";
  EXPECT_NE(StructureDigest(Compiled(kPolicy, home)), StructureDigest(Compiled(with_lan, home)));
}

TEST(NftDataplane, FirstApplyReplacesTheTableInOneTransaction) {
  auto runner = std::make_unique<FakeRunner>();
  FakeRunner* fake = runner.get();
  NftDataplane dataplane(std::move(runner));
  auto outcome = dataplane.Apply(Compiled(kPolicy));
  // The fake holds no table afterwards, so verification must fail: nothing is taken on trust.
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, ErrorCode::kVerify);
  ASSERT_GE(fake->scripts.size(), 2u);
  const std::string& replace = fake->scripts[1];
  EXPECT_EQ(replace.rfind("add table inet netwarden\ndelete table inet netwarden\ntable inet", 0), 0u);
}

TEST(NftDataplane, SameStructureUpdatesSetsOnly) {
  auto runner = std::make_unique<FakeRunner>();
  FakeRunner* fake = runner.get();
  const Ruleset ruleset = Compiled(kPolicy);
  fake->installed_text = "table inet netwarden {\n\tcomment \"" + TableComment(ruleset) + "\"\n}";
  NftDataplane dataplane(std::move(runner));
  auto outcome = dataplane.Apply(ruleset);
  ASSERT_GE(fake->scripts.size(), 2u);
  EXPECT_EQ(fake->scripts[1].rfind("flush set inet netwarden tunnel_ifaces\n", 0), 0u);
  EXPECT_EQ(fake->scripts[1].find("delete table"), std::string::npos);
  EXPECT_FALSE(outcome);  // the canned JSON is empty: verification must say so
  EXPECT_EQ(outcome.error().code, ErrorCode::kVerify);
}

TEST(NftDataplane, RefusedTransactionIsReported) {
  auto runner = std::make_unique<FakeRunner>();
  runner->refuse_containing = "delete table";
  NftDataplane dataplane(std::move(runner));
  auto outcome = dataplane.Apply(Compiled(kPolicy));
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().message.find("refused"), std::string::npos);
}

TEST(NftDataplane, VerificationComparesCounts) {
  auto runner = std::make_unique<FakeRunner>();
  FakeRunner* fake = runner.get();
  const Ruleset ruleset = Compiled(kPolicy);
  fake->installed_text = "table inet netwarden {\n\tcomment \"" + TableComment(ruleset) + "\"\n}";
  // A kernel that holds the chains but lost a rule of the output chain.
  std::string json = R"({"nftables":[)";
  for (const auto& [chain, count] : ExpectedRuleCounts(ruleset)) {
    json += R"({"chain":{"name":")" + chain + R"(","hook":"x","policy":"drop"}},)";
    const size_t held = chain == "output" ? count - 1 : count;
    for (size_t i = 0; i < held; ++i) json += R"({"rule":{"chain":")" + chain + R"("}},)";
  }
  json.back() = ']';
  json += "}";
  fake->installed_json = json;
  NftDataplane dataplane(std::move(runner));
  auto outcome = dataplane.Apply(ruleset);
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().message.find("chain output holds"), std::string::npos)
      << outcome.error().message;
}

TEST(WithoutOverlaps, KeepsCoveringPrefixes) {
  std::vector<IpNetwork> input = {*IpNetwork::Parse("10.1.2.0/24"), *IpNetwork::Parse("10.0.0.0/8"),
                                  *IpNetwork::Parse("192.0.2.0/25"),
                                  *IpNetwork::Parse("192.0.2.128/25"),
                                  *IpNetwork::Parse("10.0.0.0/8")};
  auto kept = WithoutOverlaps(input);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].ToString(), "10.0.0.0/8");
  EXPECT_EQ(kept[1].ToString(), "192.0.2.0/25");
  EXPECT_EQ(kept[2].ToString(), "192.0.2.128/25");
}

}  // namespace
}  // namespace netwarden::nft
