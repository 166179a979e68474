// One explain across the three planes: each plane's answer, the plane that decides, and the
// "not enforced" of a plane the policy leaves out.
#include "explain/explain.h"

#include <gtest/gtest.h>

#include "appfw/compile.h"
#include "policy/policy_parser.h"
#include "policy/rule_ids.h"

namespace netwarden {
namespace {

const std::string kVpn = R"(vpn:
  gateways: [{address: 198.51.100.1, protocol: udp, port: 51820}]
  tunnel_interfaces: ["wg0"]
)";
const std::string kApps = R"(apps:
  rules:
    - {name: no-telnet, program: /usr/bin/telnet, action: deny}
    - {name: curl-no-web, program: /usr/bin/curl, protocol: tcp, ports: [80], action: deny}
)";
const std::string kFeeds = R"(threat_feeds:
  - {name: bad, url: "file:///nonexistent/bad.txt", action: block}
  - {name: watch, url: "file:///nonexistent/watch.txt", action: log}
)";

struct Fixture {
  Policy policy;
  EffectivePolicy effective;
  appfw::CompiledTables tables;
  explain::Inputs inputs;

  explicit Fixture(const std::string& sections, Situation situation = {}) {
    auto parsed = ParsePolicy("version: 1\n" + sections, "p.yaml");
    EXPECT_TRUE(parsed) << parsed.error().ToString();
    if (!parsed) return;
    policy = *parsed;
    effective = Resolve(policy, situation);
    if (policy.vpn) inputs.vpn = &effective;
    inputs.threats = &policy.threats;
    if (explain::AppsPlaneInUse(policy)) {
      tables = appfw::CompileApps(policy);
      inputs.apps = &tables;
    }
  }

  explain::Answer Ask(const std::string& program, const std::string& destination, uint16_t port,
                      const std::string& oif = "eth0", uint32_t uid = 1000) {
    inputs.program = program;
    inputs.flow = Flow{FlowProtocol::kTcp, *IpAddress::Parse(destination), port, 0, oif, uid};
    return explain::ExplainFlow(inputs);
  }
};

Situation TunnelUp() {
  Situation situation;
  situation.interfaces = {{"eth0", {{*IpAddress::Parse("192.168.1.10"), 24}}},
                          {"wg0", {{*IpAddress::Parse("10.99.0.2"), 32}}}};
  return situation;
}

threats::FeedMatch Listed(const std::string& feed, const std::string& entry) {
  return {feed, *IpNetwork::Parse(entry), true};
}

TEST(Explain, VpnOnlySaysTheOtherPlanesAreNotEnforced) {
  Fixture fixture(kVpn);
  const auto answer = fixture.Ask("/usr/bin/curl", "192.0.2.80", 443);
  EXPECT_EQ(answer.verdict, "reject");
  ASSERT_TRUE(answer.deciding);
  EXPECT_EQ(*answer.deciding, explain::Plane::kVpn);
  EXPECT_EQ(answer.rule, rule_id::kDefaultBlock);
  EXPECT_EQ(answer.Of(explain::Plane::kThreatFeeds).verdict, "not-enforced");
  EXPECT_EQ(answer.Of(explain::Plane::kApps).verdict, "not-enforced");
  const nlohmann::json json = answer.ToJson();
  EXPECT_EQ(json["verdict"], "reject");
  EXPECT_EQ(json["plane"], "vpn");
  EXPECT_EQ(json["planes"]["apps"]["enforced"], false);
  EXPECT_EQ(json["planes"]["vpn"]["rule"], "default-block");
  EXPECT_EQ(json["program"], "/usr/bin/curl");
  const std::string text = answer.ToText();
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "reject default-block: off the trusted network only the VPN gateway and exceptions "
            "are reachable [decided by the forced VPN]");
  EXPECT_NE(text.find("\n  apps: not-enforced: the policy has no 'apps' section\n"),
            std::string::npos)
      << text;
}

TEST(Explain, AppsOnlyDecidesByTheProgram) {
  Fixture fixture(kApps);
  const auto telnet = fixture.Ask("/usr/bin/telnet", "192.0.2.80", 23);
  EXPECT_EQ(telnet.verdict, "deny");
  EXPECT_EQ(*telnet.deciding, explain::Plane::kApps);
  EXPECT_EQ(telnet.rule, "no-telnet");
  ASSERT_TRUE(telnet.where);
  EXPECT_EQ(telnet.where->line, 4);
  EXPECT_EQ(telnet.Of(explain::Plane::kVpn).verdict, "not-enforced");

  const auto curl_web = fixture.Ask("/usr/bin/curl", "192.0.2.80", 80);
  EXPECT_EQ(curl_web.verdict, "deny");
  EXPECT_EQ(curl_web.rule, "curl-no-web");
  const auto curl_tls = fixture.Ask("/usr/bin/curl", "192.0.2.80", 443);
  EXPECT_EQ(curl_tls.verdict, "allow");
  EXPECT_EQ(*curl_tls.deciding, explain::Plane::kApps);
  EXPECT_EQ(curl_tls.reason, "no apps rule of this program matches: apps.default");
  const auto other = fixture.Ask("/usr/bin/wget", "192.0.2.80", 80);
  EXPECT_EQ(other.verdict, "allow");
  EXPECT_EQ(other.reason, "no apps rule names this program: apps.default");
  const auto unknown = fixture.Ask("", "192.0.2.80", 80);
  EXPECT_EQ(unknown.Of(explain::Plane::kApps).verdict, "unknown");
  EXPECT_FALSE(unknown.deciding);  // nothing enforced can say without the program
}

TEST(Explain, FeedsOnly) {
  Fixture fixture(kFeeds);
  fixture.inputs.feed_matches = {Listed("bad", "203.0.113.0/24")};
  const auto listed = fixture.Ask("", "203.0.113.9", 443);
  EXPECT_EQ(listed.verdict, "reject");
  EXPECT_EQ(*listed.deciding, explain::Plane::kThreatFeeds);
  EXPECT_EQ(listed.rule, "threat-feed:bad");
  ASSERT_TRUE(listed.threat);
  EXPECT_EQ(listed.ToJson()["threat"]["entry"], "203.0.113.0/24");
  fixture.inputs.feed_matches = {};
  const auto clean = fixture.Ask("", "192.0.2.80", 443);
  EXPECT_EQ(clean.verdict, "allow");
  EXPECT_EQ(clean.Of(explain::Plane::kThreatFeeds).verdict, "pass");
}

TEST(Explain, AllThreePlanesInKernelOrder) {
  Fixture fixture(kVpn + kApps + kFeeds, TunnelUp());
  // Through the tunnel the forced VPN allows; the feed still refuses.
  fixture.inputs.feed_matches = {Listed("bad", "203.0.113.0/24")};
  const auto feed = fixture.Ask("/usr/bin/wget", "203.0.113.9", 443, "wg0");
  EXPECT_EQ(feed.verdict, "reject");
  EXPECT_EQ(*feed.deciding, explain::Plane::kThreatFeeds);
  EXPECT_EQ(feed.Of(explain::Plane::kVpn).verdict, "allow");
  EXPECT_EQ(feed.Of(explain::Plane::kVpn).rule, rule_id::kTunnel);
  // The per-program firewall refuses at connect(), before any packet meets the feeds.
  const auto telnet = fixture.Ask("/usr/bin/telnet", "203.0.113.9", 23, "wg0");
  EXPECT_EQ(telnet.verdict, "deny");
  EXPECT_EQ(*telnet.deciding, explain::Plane::kApps);
  EXPECT_EQ(telnet.Of(explain::Plane::kThreatFeeds).verdict, "reject");
  // A `log` feed lets the flow through; the forced VPN's allow is the answer.
  fixture.inputs.feed_matches = {Listed("watch", "192.0.2.0/24")};
  const auto logged = fixture.Ask("/usr/bin/wget", "192.0.2.80", 443, "wg0");
  EXPECT_EQ(logged.verdict, "allow");
  EXPECT_EQ(*logged.deciding, explain::Plane::kVpn);
  EXPECT_EQ(logged.Of(explain::Plane::kThreatFeeds).verdict, "log");
}

TEST(Explain, ReportModeWouldReject) {
  Fixture fixture("vpn:\n  mode: report\n  tunnel_interfaces: [\"wg0\"]\n" + kApps);
  const auto answer = fixture.Ask("/usr/bin/wget", "192.0.2.80", 443);
  EXPECT_EQ(answer.verdict, "would-reject");
  EXPECT_EQ(*answer.deciding, explain::Plane::kVpn);
  EXPECT_EQ(answer.rule, rule_id::kDefaultBlock);
  EXPECT_NE(answer.reason.find("report mode"), std::string::npos);
  // An enforced deny of another plane still decides.
  EXPECT_EQ(fixture.Ask("/usr/bin/telnet", "192.0.2.80", 23).verdict, "deny");
  fixture.inputs.apps_report = true;
  const auto both = fixture.Ask("/usr/bin/telnet", "192.0.2.80", 23);
  EXPECT_EQ(both.verdict, "would-deny");
  EXPECT_EQ(*both.deciding, explain::Plane::kApps);
}

TEST(Explain, InspectMovesTheFlowIntoTheInspectionInterface) {
  Fixture fixture(kVpn + R"(threat_feeds:
  - {name: look, url: "file:///nonexistent/look.txt", action: inspect}
inspection: {interface: wg-inspect}
)");
  fixture.inputs.feed_matches = {Listed("look", "203.0.113.0/24")};
  const auto answer = fixture.Ask("", "203.0.113.9", 443);
  EXPECT_EQ(answer.flow.output_interface, "wg-inspect");
  EXPECT_EQ(answer.Of(explain::Plane::kThreatFeeds).verdict, "inspect");
  EXPECT_EQ(answer.Of(explain::Plane::kVpn).rule, rule_id::kInspection);
  EXPECT_EQ(answer.verdict, "allow");
}

TEST(Explain, TextFromJsonNeverThrowsOnOddShapes) {
  EXPECT_EQ(explain::TextFromJson(nlohmann::json::array()), "?: \n");
  EXPECT_EQ(explain::TextFromJson({{"verdict", 1}, {"planes", {{"vpn", "x"}}}}), "?: \n");
  EXPECT_EQ(explain::PlaneLine({{"verdict", "allow"}, {"rule", "tunnel"}, {"reason", "r"}}),
            "allow tunnel: r");
}

}  // namespace
}  // namespace netwarden

namespace netwarden {
namespace {

TEST(Explain, NamesTheBreakoutEntryWithItsPorts) {
  Situation situation;
  situation.interfaces = {{"eth0", {{*IpAddress::Parse("192.168.1.10"), 24}}}};
  situation.resolved["teams.example.com"] = {*IpAddress::Parse("192.0.2.50")};
  Fixture fixture(kVpn +
                      "exceptions:\n  breakout:\n"
                      "    - {host: teams.example.com, protocol: tcp, ports: [443]}\n",
                  situation);
  const auto open = fixture.Ask("", "192.0.2.50", 443);
  EXPECT_EQ(open.verdict, "allow");
  EXPECT_EQ(open.rule, rule_id::kBreakout);
  EXPECT_EQ(open.reason, "local breakout teams.example.com tcp/443");
  ASSERT_TRUE(open.where);
  EXPECT_EQ(open.where->line, 7);
  const auto closed = fixture.Ask("", "192.0.2.50", 8443);
  EXPECT_EQ(closed.verdict, "reject");
  EXPECT_EQ(closed.rule, rule_id::kDefaultBlock);
}

}  // namespace
}  // namespace netwarden
