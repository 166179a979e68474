#include "decision/decide.h"

#include <gtest/gtest.h>

#include "policy/policy_parser.h"
#include "policy/rule_ids.h"

namespace netwarden {
namespace {

const char* kPolicy = R"(version: 1
vpn:
  gateways:
    - host: vpn.example.net
      protocol: udp
      port: 51820
    - address: 203.0.113.10
      protocol: tcp
      port: 443
      user: 1000
  tunnel_interfaces: ["wg*"]
trusted_networks:
  - name: office
    https_probe: {url: "https://10.20.0.5/", sha256: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}
  - name: branch
    interface_subnet: 10.30.0.0/16
proxies:
  - {address: 10.20.0.8, port: 3128}
exceptions:
  breakout: [{cidr: 52.112.0.0/14}, {host: meet.example.com}]
  captive_portal: [{host: login.hotspot.example}]
  lan: private
  dns_resolvers: [192.168.1.1]
)";

class DecisionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto policy = ParsePolicy(kPolicy, "p.yaml");
    ASSERT_TRUE(policy) << policy.error().ToString();
    policy_ = *policy;
    situation_.interfaces = {{"eth0", {{*IpAddress::Parse("192.168.1.10"), 24}}},
                             {"wg0", {{*IpAddress::Parse("10.99.0.2"), 32}}}};
    situation_.resolved["vpn.example.net"] = {*IpAddress::Parse("198.51.100.1"),
                                              *IpAddress::Parse("2001:db8::1")};
    situation_.resolved["meet.example.com"] = {*IpAddress::Parse("192.0.2.99")};
    situation_.resolved["login.hotspot.example"] = {*IpAddress::Parse("192.0.2.200")};
  }

  Decision Decide(const std::string& protocol, const std::string& destination, uint16_t port,
                  const std::string& oif = "eth0", uint32_t uid = 1000) {
    Flow flow{*ParseFlowProtocol(protocol), *IpAddress::Parse(destination), port, 0, oif, uid};
    return DecideOutbound(Resolve(policy_, situation_), flow);
  }

  void ExpectRule(const Decision& decision, Verdict verdict, const std::string& rule) {
    EXPECT_EQ(decision.verdict, verdict) << decision.reason;
    EXPECT_EQ(decision.rule, rule) << decision.reason;
  }

  Policy policy_;
  Situation situation_;
};

TEST_F(DecisionTest, OffTheTrustedNetworkOnlyTheGatewayIsReachable) {
  ExpectRule(Decide("tcp", "192.0.2.80", 80), Verdict::kReject, rule_id::kDefaultBlock);
  ExpectRule(Decide("udp", "192.0.2.80", 9), Verdict::kReject, rule_id::kDefaultBlock);
  ExpectRule(Decide("icmp", "192.0.2.80", 0), Verdict::kReject, rule_id::kDefaultBlock);
  auto gateway = Decide("udp", "198.51.100.1", 51820);
  ExpectRule(gateway, Verdict::kAllow, rule_id::kGateway);
  ASSERT_TRUE(gateway.where);
  EXPECT_EQ(gateway.where->line, 4);
  ExpectRule(Decide("udp", "2001:db8::1", 51820), Verdict::kAllow, rule_id::kGateway);
}

TEST_F(DecisionTest, GatewayExceptionIsOnlyItsProtocolAndPort) {
  // TunnelCrack ServerIP: whatever the gateway name resolves to, only the VPN port is open.
  ExpectRule(Decide("tcp", "198.51.100.1", 80), Verdict::kReject, rule_id::kDefaultBlock);
  ExpectRule(Decide("tcp", "198.51.100.1", 51820), Verdict::kReject, rule_id::kDefaultBlock);
  ExpectRule(Decide("udp", "198.51.100.1", 51821), Verdict::kReject, rule_id::kDefaultBlock);
}

TEST_F(DecisionTest, UserLimitedGateway) {
  ExpectRule(Decide("tcp", "203.0.113.10", 443, "eth0", 1000), Verdict::kAllow, rule_id::kGateway);
  ExpectRule(Decide("tcp", "203.0.113.10", 443, "eth0", 1001), Verdict::kReject,
             rule_id::kDefaultBlock);
}

TEST_F(DecisionTest, TunnelAndTrustedInterfacesPassEverything) {
  ExpectRule(Decide("tcp", "192.0.2.80", 80, "wg0"), Verdict::kAllow, rule_id::kTunnel);
  ExpectRule(Decide("udp", "10.20.0.53", 53, "wg0"), Verdict::kAllow, rule_id::kTunnel);
  situation_.verified_trusted.push_back({"office", "eth0"});
  ExpectRule(Decide("tcp", "192.0.2.80", 80), Verdict::kAllow, rule_id::kTrusted);
  // A verified network that the policy does not name counts for nothing.
  situation_.verified_trusted = {{"elsewhere", "eth0"}};
  ExpectRule(Decide("tcp", "192.0.2.80", 80), Verdict::kReject, rule_id::kDefaultBlock);
}

TEST_F(DecisionTest, TunnelPatternMustMatchAPresentInterface) {
  ExpectRule(Decide("tcp", "192.0.2.80", 80, "wg1"), Verdict::kReject, rule_id::kDefaultBlock);
  ExpectRule(Decide("tcp", "192.0.2.80", 80, "tun0"), Verdict::kReject, rule_id::kDefaultBlock);
}

TEST_F(DecisionTest, AddressOnlyTrustIsJudgedByTheInterfaceAddress) {
  situation_.interfaces[0].addresses = {{*IpAddress::Parse("10.30.4.5"), 16}};
  ExpectRule(Decide("tcp", "192.0.2.80", 80), Verdict::kAllow, rule_id::kTrusted);
}

TEST_F(DecisionTest, DnsOnlyThroughTheTunnelOrRootToAllowedResolvers) {
  ExpectRule(Decide("udp", "192.168.1.1", 53, "eth0", 1000), Verdict::kReject, rule_id::kDnsBlock);
  ExpectRule(Decide("udp", "192.168.1.1", 53, "eth0", 0), Verdict::kAllow, rule_id::kDnsResolver);
  ExpectRule(Decide("tcp", "192.168.1.1", 853, "eth0", 0), Verdict::kReject, rule_id::kDnsBlock);
  ExpectRule(Decide("udp", "8.8.8.8", 53, "eth0", 0), Verdict::kReject, rule_id::kDnsBlock);
  // DNS to a breakout destination is still DNS.
  ExpectRule(Decide("udp", "52.112.0.53", 53), Verdict::kReject, rule_id::kDnsBlock);
}

TEST_F(DecisionTest, Exceptions) {
  ExpectRule(Decide("tcp", "52.113.7.7", 443), Verdict::kAllow, rule_id::kBreakout);
  ExpectRule(Decide("icmp", "52.113.7.7", 0), Verdict::kAllow, rule_id::kBreakout);
  ExpectRule(Decide("udp", "192.0.2.99", 3478), Verdict::kAllow, rule_id::kBreakout);
  ExpectRule(Decide("tcp", "192.0.2.200", 443), Verdict::kAllow, rule_id::kCaptivePortal);
  ExpectRule(Decide("tcp", "192.0.2.200", 22), Verdict::kReject, rule_id::kDefaultBlock);
  ExpectRule(Decide("tcp", "10.20.0.8", 3128), Verdict::kAllow, rule_id::kProxy);
  ExpectRule(Decide("udp", "10.20.0.8", 3128), Verdict::kAllow, rule_id::kLan);
}

TEST_F(DecisionTest, LanIsPrivateRangesOnlyNeverTheInterfaceSubnet) {
  ExpectRule(Decide("tcp", "192.168.1.1", 80), Verdict::kAllow, rule_id::kLan);
  ExpectRule(Decide("tcp", "fe80::1", 80), Verdict::kAllow, rule_id::kLan);
  // TunnelCrack LocalNet: the rogue network hands out a public subnet containing the target.
  situation_.interfaces[0].addresses = {{*IpAddress::Parse("192.0.2.10"), 24}};
  ExpectRule(Decide("tcp", "192.0.2.80", 80), Verdict::kReject, rule_id::kDefaultBlock);
  policy_.lan = LanAccess::kNone;
  ExpectRule(Decide("tcp", "192.168.1.1", 80), Verdict::kReject, rule_id::kDefaultBlock);
}

TEST_F(DecisionTest, LoopbackAndDhcp) {
  ExpectRule(Decide("tcp", "127.0.0.1", 80, "lo"), Verdict::kAllow, rule_id::kLoopback);
  Flow dhcp{FlowProtocol::kUdp, *IpAddress::Parse("255.255.255.255"), 67, 68, "eth0", 0};
  policy_.lan = LanAccess::kNone;
  policy_.vpn->dhcp_client_uids = {0, 998};
  ExpectRule(DecideOutbound(Resolve(policy_, situation_), dhcp), Verdict::kAllow, rule_id::kDhcp);
  dhcp.uid = 998;  // systemd-networkd
  ExpectRule(DecideOutbound(Resolve(policy_, situation_), dhcp), Verdict::kAllow, rule_id::kDhcp);
  // Anybody else's packet shaped like a DHCP request is not one: it must not carry data out.
  dhcp.uid = 1000;
  ExpectRule(DecideOutbound(Resolve(policy_, situation_), dhcp), Verdict::kReject,
             rule_id::kDefaultBlock);
  Flow dhcp6{FlowProtocol::kUdp, *IpAddress::Parse("ff02::1:2"), 547, 546, "eth0", 1000};
  ExpectRule(DecideOutbound(Resolve(policy_, situation_), dhcp6), Verdict::kReject,
             rule_id::kDefaultBlock);
  dhcp6.uid = 0;
  ExpectRule(DecideOutbound(Resolve(policy_, situation_), dhcp6), Verdict::kAllow, rule_id::kDhcp);
}

TEST_F(DecisionTest, TrustProbeIsRootTcpToTheProbeEndpointOnly) {
  policy_.lan = LanAccess::kNone;
  ExpectRule(Decide("tcp", "10.20.0.5", 443, "eth0", 0), Verdict::kAllow, rule_id::kTrustProbe);
  ExpectRule(Decide("tcp", "10.20.0.5", 443, "eth0", 1000), Verdict::kReject,
             rule_id::kDefaultBlock);
  ExpectRule(Decide("tcp", "10.20.0.5", 80, "eth0", 0), Verdict::kReject, rule_id::kDefaultBlock);
}

TEST_F(DecisionTest, PortalWindowOpensWebAndDnsToTheNetworksResolverOnly) {
  situation_.interfaces.pop_back();  // no tunnel yet: the window is for reaching the portal
  situation_.dns_resolvers = {*IpAddress::Parse("192.168.1.1")};
  ExpectRule(Decide("tcp", "192.0.2.80", 80), Verdict::kReject, rule_id::kDefaultBlock);
  situation_.portal_window_open = true;
  ExpectRule(Decide("tcp", "192.0.2.80", 80), Verdict::kAllow, rule_id::kPortalWindow);
  ExpectRule(Decide("tcp", "192.0.2.80", 443), Verdict::kAllow, rule_id::kPortalWindow);
  ExpectRule(Decide("udp", "192.168.1.1", 53), Verdict::kAllow, rule_id::kPortalWindow);
  ExpectRule(Decide("udp", "8.8.8.8", 53), Verdict::kReject, rule_id::kDnsBlock);
  ExpectRule(Decide("tcp", "192.0.2.80", 22), Verdict::kReject, rule_id::kDefaultBlock);
  ExpectRule(Decide("udp", "192.0.2.80", 443), Verdict::kReject, rule_id::kDefaultBlock);
}

TEST_F(DecisionTest, PortalWindowOpensNothingBesideATunnel) {
  situation_.dns_resolvers = {*IpAddress::Parse("192.168.1.1")};
  situation_.portal_window_open = true;  // wg0 is up
  EXPECT_TRUE(Resolve(policy_, situation_).portal_window_interfaces.empty());
  ExpectRule(Decide("tcp", "192.0.2.80", 80), Verdict::kReject, rule_id::kDefaultBlock);
  ExpectRule(Decide("tcp", "192.0.2.80", 443), Verdict::kReject, rule_id::kDefaultBlock);
  ExpectRule(Decide("udp", "192.168.1.1", 53), Verdict::kReject, rule_id::kDnsBlock);
  ExpectRule(Decide("tcp", "192.0.2.80", 443, "wg0"), Verdict::kAllow, rule_id::kTunnel);
}

TEST(HttpsUrl, Parts) {
  auto plain = ParseHttpsUrl("https://10.20.0.5/");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->host, "10.20.0.5");
  EXPECT_EQ(plain->port, 443);
  auto full = ParseHttpsUrl("https://[2001:db8::5]:8443/health?x=1");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->host, "2001:db8::5");
  EXPECT_EQ(full->port, 8443);
  EXPECT_EQ(full->path, "/health?x=1");
  EXPECT_EQ(ParseHttpsUrl("https://probe.corp.example")->host, "probe.corp.example");
  EXPECT_FALSE(ParseHttpsUrl("http://x/"));
  EXPECT_FALSE(ParseHttpsUrl("https://x:99999/"));
  EXPECT_FALSE(ParseHttpsUrl("https://[::1/"));
}

TEST_F(DecisionTest, NetworkResolversAreDirectOnlyWhileNoTunnelIsUp) {
  policy_.dns_resolvers.clear();
  situation_.dns_resolvers = {*IpAddress::Parse("10.99.0.1")};
  // wg0 is up: resolv.conf names the VPN's resolver, which must not be reached via eth0.
  ExpectRule(Decide("udp", "10.99.0.1", 53, "eth0", 0), Verdict::kReject, rule_id::kDnsBlock);
  ExpectRule(Decide("udp", "10.99.0.1", 53, "wg0", 0), Verdict::kAllow, rule_id::kTunnel);
  situation_.interfaces.pop_back();  // the tunnel goes away
  situation_.dns_resolvers = {*IpAddress::Parse("192.168.1.1")};
  ExpectRule(Decide("udp", "192.168.1.1", 53, "eth0", 0), Verdict::kAllow, rule_id::kDnsResolver);
}

TEST_F(DecisionTest, UnresolvedNamesOpenNothing) {
  situation_.resolved.clear();
  auto effective = Resolve(policy_, situation_);
  EXPECT_EQ(effective.unresolved_hosts.size(), 3u);
  EXPECT_EQ(effective.gateways.size(), 1u);  // only the fixed address
  ExpectRule(Decide("udp", "198.51.100.1", 51820), Verdict::kReject, rule_id::kDefaultBlock);
}

}  // namespace
}  // namespace netwarden

namespace netwarden {
namespace {

// Breakout entries that name ports open only those, for the named protocol; explain names the
// entry (with its ports) and its line.
TEST(DecisionBreakoutPorts, OnlyTheNamedPortsAndProtocol) {
  auto policy = ParsePolicy(R"(version: 1
vpn: {}
exceptions:
  breakout:
    - {host: teams.example.com, protocol: udp, ports: [3478-3481]}
    - {cidr: 52.112.0.0/14, ports: [443]}
    - {cidr: 52.113.4.0/24, protocol: tcp}
    - {cidr: 198.51.100.0/24}
)",
                            "p.yaml");
  ASSERT_TRUE(policy) << policy.error().ToString();
  Situation situation;
  situation.interfaces = {{"eth0", {{*IpAddress::Parse("192.168.1.10"), 24}}}};
  situation.resolved["teams.example.com"] = {*IpAddress::Parse("192.0.2.50")};
  const EffectivePolicy effective = Resolve(*policy, situation);
  // Three profiles (udp/3478-3481, tcp+udp/443, tcp), known from the policy alone.
  ASSERT_EQ(effective.breakout_profiles.size(), 3u);
  EXPECT_EQ(effective.breakout_profiles[2].ToString(), "tcp");
  EXPECT_EQ(Resolve(*policy, Situation{}).breakout_profiles, effective.breakout_profiles);
  auto decide = [&](const char* protocol, const char* destination, uint16_t port) {
    Flow flow{*ParseFlowProtocol(protocol), *IpAddress::Parse(destination), port, 0, "eth0", 1000};
    return DecideOutbound(effective, flow);
  };
  const Decision teams = decide("udp", "192.0.2.50", 3479);
  EXPECT_EQ(teams.rule, rule_id::kBreakout);
  EXPECT_EQ(teams.reason, "local breakout teams.example.com udp/3478-3481");
  ASSERT_TRUE(teams.where);
  EXPECT_EQ(teams.where->line, 5);
  EXPECT_EQ(decide("udp", "192.0.2.50", 3482).rule, rule_id::kDefaultBlock);
  EXPECT_EQ(decide("tcp", "192.0.2.50", 3479).rule, rule_id::kDefaultBlock);
  EXPECT_EQ(decide("icmp", "192.0.2.50", 0).rule, rule_id::kDefaultBlock);
  // No protocol with ports: tcp and udp.
  EXPECT_EQ(decide("tcp", "52.112.0.1", 443).reason, "local breakout 52.112.0.0/14 tcp+udp/443");
  EXPECT_EQ(decide("udp", "52.112.0.1", 443).rule, rule_id::kBreakout);
  EXPECT_EQ(decide("tcp", "52.112.0.1", 80).rule, rule_id::kDefaultBlock);
  // A protocol without ports: every port of it; and the first entry that opens the flow decides.
  EXPECT_EQ(decide("tcp", "52.113.4.9", 443).reason, "local breakout 52.112.0.0/14 tcp+udp/443");
  EXPECT_EQ(decide("tcp", "52.113.4.9", 22).reason, "local breakout 52.113.4.0/24 tcp");
  EXPECT_EQ(decide("udp", "52.113.4.9", 22).rule, rule_id::kDefaultBlock);
  // Neither: everything, ICMP too (as before).
  EXPECT_EQ(decide("icmp", "198.51.100.7", 0).reason, "local breakout 198.51.100.0/24");
  // DNS to a breakout is still DNS.
  EXPECT_EQ(decide("udp", "52.113.4.9", 53).rule, rule_id::kDnsBlock);
}

}  // namespace
}  // namespace netwarden
