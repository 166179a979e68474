#include "policy/policy_parser.h"

#include <gtest/gtest.h>
#include <pwd.h>

namespace netwarden {
namespace {

Result<Policy> Parse(const std::string& text) { return ParsePolicy(text, "p.yaml"); }

std::string ErrorOf(const std::string& text) {
  auto policy = Parse(text);
  EXPECT_FALSE(policy) << "expected an error for:\n" << text;
  return policy ? "" : policy.error().ToString();
}

TEST(PolicyParser, ReadsTheContractExample) {
  auto policy = LoadPolicyFile(std::string(NETWARDEN_SOURCE_DIR) + "/examples/policy.yaml");
  ASSERT_TRUE(policy) << policy.error().ToString();
  ASSERT_EQ(policy->gateways.size(), 3u);
  EXPECT_EQ(policy->gateways[0].host, "vpn.example.net");
  EXPECT_EQ(policy->gateways[0].protocol, Transport::kUdp);
  EXPECT_EQ(policy->gateways[0].port, 51820);
  EXPECT_EQ(policy->gateways[0].where.line, 4);
  EXPECT_EQ(policy->gateways[1].address->ToString(), "203.0.113.10");
  EXPECT_EQ(policy->gateways[2].uid, 0u);
  EXPECT_EQ(policy->tunnel_interfaces, (std::vector<std::string>{"wg*", "tun0"}));
  ASSERT_EQ(policy->trusted_networks.size(), 2u);
  EXPECT_TRUE(policy->trusted_networks[0].https_probe);
  EXPECT_TRUE(policy->trusted_networks[1].interface_subnet);
  EXPECT_EQ(policy->proxies.size(), 1u);
  ASSERT_EQ(policy->breakout.size(), 3u);
  EXPECT_EQ(policy->breakout[1].Label(), "meet.example.com tcp/443");
  EXPECT_EQ(policy->breakout[2].Label(), "meet.example.com udp/3478-3481");
  EXPECT_EQ(policy->captive_portal.size(), 1u);
  EXPECT_EQ(policy->lan, LanAccess::kPrivate);
  ASSERT_EQ(policy->warnings.size(), 1u);  // the address-only trusted network
  EXPECT_NE(policy->warnings[0].message.find("LocalNet"), std::string::npos);
  EXPECT_EQ(policy->Hostnames(),
            (std::vector<std::string>{"login.hotspot.example", "meet.example.com",
                                      "vpn.example.net"}));
}

TEST(PolicyParser, EveryExampleIsValid) {
  for (const char* name : {"policy.yaml", "vpn-only.yaml", "apps-only.yaml", "feeds-only.yaml",
                           "all-planes.yaml"}) {
    auto policy = LoadPolicyFile(std::string(NETWARDEN_SOURCE_DIR) + "/examples/" + name);
    EXPECT_TRUE(policy) << name << ": " << policy.error().ToString();
  }
}

TEST(PolicyParser, EmptyVpnSectionBlocksEverything) {
  for (const char* text : {"version: 1\nvpn:\n", "version: 1\nvpn: {}\n"}) {
    auto policy = Parse(text);
    ASSERT_TRUE(policy) << policy.error().ToString();
    ASSERT_TRUE(policy->vpn);
    EXPECT_EQ(policy->vpn->mode, VpnMode::kEnforce);
    EXPECT_TRUE(policy->gateways.empty());
    EXPECT_EQ(policy->lan, LanAccess::kNone);
    EXPECT_TRUE(policy->warnings.empty());
  }
}

TEST(PolicyParser, BlockAllPolicyIsTheLockdownWithoutExceptions) {
  const Policy policy = BlockAllPolicy();
  ASSERT_TRUE(policy.vpn);
  EXPECT_EQ(policy.vpn->mode, VpnMode::kEnforce);
  EXPECT_TRUE(policy.gateways.empty());
  EXPECT_FALSE(policy.apps.present);
  EXPECT_TRUE(policy.threats.feeds.empty());
}

TEST(PolicyParser, NothingToEnforceIsRefused) {
  for (const char* text : {"version: 1\n", "version: 1\nthreat_feeds: []\n"}) {
    EXPECT_EQ(ErrorOf(text).rfind("p.yaml:1:1: nothing to enforce: the policy needs at least one "
                                  "of 'vpn' (forced VPN), 'apps' (per-program firewall) or "
                                  "'threat_feeds' (IP reputation)",
                                  0),
              0u)
        << text;
  }
}

TEST(PolicyParser, EachPlaneOnItsOwn) {
  auto apps = Parse("version: 1\napps:\n  rules:\n    - {name: a, program: /usr/bin/a, action: deny}\n");
  ASSERT_TRUE(apps) << apps.error().ToString();
  EXPECT_FALSE(apps->vpn);
  EXPECT_TRUE(apps->apps.present);
  auto feeds = Parse("version: 1\nthreat_feeds:\n  - {name: f, url: \"file:///tmp/f\", action: block}\n");
  ASSERT_TRUE(feeds) << feeds.error().ToString();
  EXPECT_FALSE(feeds->vpn);
  EXPECT_FALSE(feeds->apps.present);
  EXPECT_EQ(feeds->threats.feeds.size(), 1u);
}

TEST(PolicyParser, ForcedVpnKeysNeedTheVpnSection) {
  const std::string apps = "apps:\n  rules:\n    - {name: a, program: /usr/bin/a, action: deny}\n";
  EXPECT_EQ(ErrorOf("version: 1\n" + apps + "exceptions: {lan: private}\n"),
            "p.yaml:5:13: 'exceptions' configures the forced VPN, which is enforced only with a "
            "'vpn' section: add 'vpn:' (or remove 'exceptions')");
  EXPECT_EQ(ErrorOf("version: 1\n" + apps + "proxies: [{address: 10.0.0.1, port: 3128}]\n"),
            "p.yaml:5:10: 'proxies' configures the forced VPN, which is enforced only with a "
            "'vpn' section: add 'vpn:' (or remove 'proxies')");
  const std::string error =
      ErrorOf("version: 1\ntrusted_networks:\n  - {name: o, interface_subnet: 10.0.0.0/8}\n");
  EXPECT_NE(error.find("p.yaml:3:3: 'trusted_networks' configures the forced VPN"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("nothing to enforce"), std::string::npos) << error;
}

TEST(PolicyParser, DhcpClientUsers) {
  auto defaults = Parse("version: 1\nvpn: {}\n");
  ASSERT_TRUE(defaults) << defaults.error().ToString();
  EXPECT_EQ(defaults->vpn->dhcp_client_uids, DefaultDhcpClientUids());
  EXPECT_EQ(DefaultDhcpClientUids().front(), 0u);
  const passwd* networkd = getpwnam("systemd-network");
  EXPECT_EQ(DefaultDhcpClientUids().size(), networkd ? 2u : 1u);
  EXPECT_EQ(BlockAllPolicy().vpn->dhcp_client_uids, DefaultDhcpClientUids());
  auto listed = Parse("version: 1\nvpn: {dhcp_client_users: [root, 101, 101]}\n");
  ASSERT_TRUE(listed) << listed.error().ToString();
  EXPECT_EQ(listed->vpn->dhcp_client_uids, (std::vector<uint32_t>{0, 101}));
  auto none = Parse("version: 1\nvpn: {dhcp_client_users: []}\n");
  ASSERT_TRUE(none) << none.error().ToString();
  EXPECT_TRUE(none->vpn->dhcp_client_uids.empty());
  ASSERT_EQ(none->warnings.size(), 1u);
  EXPECT_EQ(ErrorOf("version: 1\nvpn: {dhcp_client_users: [no-such-user-here]}\n"),
            "p.yaml:2:27: unknown user 'no-such-user-here' on this machine (use a numeric uid)");
}

TEST(PolicyParser, VpnMode) {
  auto report = Parse("version: 1\nvpn: {mode: report}\n");
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->vpn->mode, VpnMode::kReport);
  EXPECT_EQ(ErrorOf("version: 1\nvpn: {mode: audit}\n"),
            "p.yaml:2:13: vpn.mode must be enforce | report, not 'audit'");
}

TEST(PolicyParser, UnknownKeyPointsAtTheKey) {
  EXPECT_EQ(ErrorOf("version: 1\nvpn:\n  gateway: []\n"),
            "p.yaml:3:3: unknown key 'gateway' in vpn (expected one of: mode, gateways, "
            "tunnel_interfaces, tunnel_kinds, dhcp_client_users)");
}

TEST(PolicyParser, WrongTypes) {
  EXPECT_EQ(ErrorOf("version: 1\nvpn: [1]\n"), "p.yaml:2:6: vpn must be a mapping");
  EXPECT_EQ(ErrorOf("version: 1\ntrusted_networks: {a: 1}\nvpn: {}\n"),
            "p.yaml:2:19: trusted_networks must be a list");
  EXPECT_EQ(ErrorOf("version: 1\nvpn:\n  gateways:\n    - address: 192.0.2.1\n      protocol: udp\n"
                    "      port: [1]\n"),
            "p.yaml:6:13: port must be a single value");
}

TEST(PolicyParser, BadAddressesAndPorts) {
  EXPECT_EQ(ErrorOf("version: 1\nvpn:\n  gateways:\n    - address: 192.0.2.300\n      protocol: udp\n"
                    "      port: 51820\n"),
            "p.yaml:4:16: address: '192.0.2.300' is not an IPv4 or IPv6 address");
  EXPECT_EQ(ErrorOf("version: 1\nvpn:\n  gateways:\n    - address: 192.0.2.3\n      protocol: udp\n"
                    "      port: 70000\n"),
            "p.yaml:6:13: port 70000 is out of range (1..65535)");
  EXPECT_EQ(ErrorOf("version: 1\nvpn:\n  gateways:\n    - address: 192.0.2.3\n      protocol: icmp\n"
                    "      port: 1\n"),
            "p.yaml:5:17: protocol must be udp | tcp, not 'icmp'");
  EXPECT_EQ(ErrorOf("version: 1\nexceptions:\n  breakout:\n    - cidr: 10.0.0.1/8\nvpn: {}\n"),
            "p.yaml:4:13: cidr: '10.0.0.1/8' has host bits set; did you mean 10.0.0.0/8?");
}

TEST(PolicyParser, DuplicatesAreRejected) {
  EXPECT_EQ(ErrorOf("version: 1\ntrusted_networks:\n  - name: a\n    interface_subnet: 10.0.0.0/8\n"
                    "  - name: a\n    interface_subnet: 10.1.0.0/16\nvpn: {}\n"),
            "p.yaml:5:11: duplicate trusted network name 'a'");
  EXPECT_EQ(ErrorOf("version: 1\nversion: 1\nvpn: {}\n"), "p.yaml:2:1: duplicate key 'version' in the policy");
  EXPECT_NE(ErrorOf("version: 1\nvpn:\n  gateways:\n"
                    "    - {address: 192.0.2.1, protocol: udp, port: 1}\n"
                    "    - {address: 192.0.2.1, protocol: udp, port: 1}\n")
                .find("p.yaml:5:7: duplicate gateway 192.0.2.1 udp/1"),
            std::string::npos);
}

TEST(PolicyParser, ReportsEveryErrorNotJustTheFirst) {
  const std::string all = ErrorOf("version: 2\nvpn:\n  gateways:\n    - host: bad_name!\n"
                                  "exceptions:\n  lan: everything\n");
  EXPECT_NE(all.find("p.yaml:1:10: version 2 is out of range (1..1)"), std::string::npos) << all;
  EXPECT_NE(all.find("p.yaml:4:13: 'bad_name!' is not a valid host name"), std::string::npos) << all;
  EXPECT_NE(all.find("p.yaml:6:8: lan must be private | none, not 'everything'"), std::string::npos)
      << all;
}

TEST(PolicyParser, SyntaxErrorHasALocation) {
  EXPECT_EQ(ErrorOf("version: 1\nvpn: [\n"), "p.yaml:3:1: YAML syntax error: end of sequence flow not found");
}

TEST(PolicyParser, GatewayNeedsExactlyOneTarget) {
  EXPECT_EQ(ErrorOf("version: 1\nvpn:\n  gateways:\n    - protocol: udp\n      port: 1\n"),
            "p.yaml:4:7: a gateway needs exactly one of 'host' or 'address'");
  EXPECT_EQ(ErrorOf("version: 1\nvpn:\n  gateways:\n    - host: 192.0.2.1\n      protocol: udp\n"
                    "      port: 1\n"),
            "p.yaml:4:13: '192.0.2.1' is an address: write it as 'address:' (or 'cidr:')");
}

TEST(PolicyParser, ProbeNeedsHttpsAndAPin) {
  const std::string error =
      ErrorOf("version: 1\ntrusted_networks:\n  - name: o\n    https_probe: {url: "
              "'http://x/', sha256: abc}\n");
  EXPECT_NE(error.find("p.yaml:4:24: https_probe needs a 'url' starting with https://"),
            std::string::npos) << error;
  EXPECT_NE(error.find("sha256"), std::string::npos);
}

TEST(PolicyParser, TunnelPatterns) {
  EXPECT_TRUE(IsValidInterfacePattern("wg*"));
  EXPECT_TRUE(IsValidInterfacePattern("tun0"));
  EXPECT_FALSE(IsValidInterfacePattern("*"));
  EXPECT_FALSE(IsValidInterfacePattern("w*g"));
  EXPECT_FALSE(IsValidInterfacePattern("averyveryverylongname"));
  EXPECT_TRUE(InterfaceMatches("wg*", "wg0"));
  EXPECT_TRUE(InterfaceMatches("wg*", "wg"));
  EXPECT_FALSE(InterfaceMatches("wg*", "eth0"));
  EXPECT_TRUE(InterfaceMatches("tun0", "tun0"));
  EXPECT_FALSE(InterfaceMatches("tun0", "tun01"));
}

TEST(PolicyParser, Hostnames) {
  EXPECT_TRUE(IsValidHostname("vpn.example.net"));
  EXPECT_TRUE(IsValidHostname("a-b.example."));
  EXPECT_FALSE(IsValidHostname("-a.example"));
  EXPECT_FALSE(IsValidHostname("a..example"));
  EXPECT_FALSE(IsValidHostname("a b"));
  EXPECT_FALSE(IsValidHostname(""));
}

}  // namespace
}  // namespace netwarden

namespace netwarden {
namespace {

std::string Breakouts(const std::string& entries) {
  return "version: 1\nvpn: {}\nexceptions:\n  breakout:\n" + entries;
}

TEST(PolicyParser, BreakoutPortsAndProtocol) {
  auto policy = Parse(Breakouts("    - {host: teams.example.com, ports: [3478-3481], protocol: udp}\n"
                                "    - {cidr: 192.0.2.0/24, ports: [443, 80, 81-90, 85]}\n"
                                "    - {cidr: 198.51.100.0/24, protocol: tcp}\n"
                                "    - {cidr: 203.0.113.0/24}\n"));
  ASSERT_TRUE(policy) << policy.error().ToString();
  ASSERT_EQ(policy->breakout.size(), 4u);
  const Breakout& teams = policy->breakout[0];
  EXPECT_EQ(teams.protocol, Transport::kUdp);
  EXPECT_EQ(teams.ports, (std::vector<PortRange>{{3478, 3481}}));
  EXPECT_FALSE(teams.OpensEverything());
  EXPECT_EQ(teams.Label(), "teams.example.com udp/3478-3481");
  // Merged and sorted; no protocol with ports means tcp and udp.
  EXPECT_EQ(policy->breakout[1].ports, (std::vector<PortRange>{{80, 90}, {443, 443}}));
  EXPECT_FALSE(policy->breakout[1].protocol);
  EXPECT_EQ(policy->breakout[1].Label(), "192.0.2.0/24 tcp+udp/80-90,443");
  EXPECT_EQ(policy->breakout[2].Label(), "198.51.100.0/24 tcp");
  EXPECT_TRUE(policy->breakout[3].OpensEverything());
  EXPECT_EQ(policy->breakout[3].Label(), "203.0.113.0/24");
  ASSERT_EQ(policy->warnings.size(), 1u);  // 85 inside 81-90
  EXPECT_EQ(policy->warnings[0].ToString(), "p.yaml:6:52: port 85 overlaps 81-90, listed before");
}

TEST(PolicyParser, HostBreakoutWithoutPortsIsWarnedAbout) {
  auto policy = Parse(Breakouts("    - host: meet.example.com\n    - cidr: 192.0.2.0/24\n"));
  ASSERT_TRUE(policy) << policy.error().ToString();
  ASSERT_EQ(policy->warnings.size(), 1u);
  EXPECT_EQ(policy->warnings[0].ToString(),
            "p.yaml:5:7: breakout host meet.example.com names no 'ports': it opens every port and "
            "protocol to whatever address the local network's DNS gives for it before the tunnel "
            "is up; name the ports it needs (and 'protocol') (docs/SECURITY.md)");
  auto with_ports = Parse(Breakouts("    - {host: meet.example.com, ports: [443]}\n"));
  ASSERT_TRUE(with_ports) << with_ports.error().ToString();
  EXPECT_TRUE(with_ports->warnings.empty());
  // A protocol alone is the author's choice of every port of it: only "everything" is warned.
  auto udp_only = Parse(Breakouts("    - {host: meet.example.com, protocol: udp}\n"));
  ASSERT_TRUE(udp_only) << udp_only.error().ToString();
  EXPECT_TRUE(udp_only->warnings.empty());
}

TEST(PolicyParser, BadBreakoutPortsHaveALocation) {
  EXPECT_EQ(ErrorOf(Breakouts("    - {host: a.example, ports: [0]}\n")),
            "p.yaml:5:33: '0' is not a port or port range (N or N-M, 1..65535)");
  EXPECT_EQ(ErrorOf(Breakouts("    - {host: a.example, ports: [3481-3478]}\n")),
            "p.yaml:5:33: port range '3481-3478' ends before it starts");
  EXPECT_EQ(ErrorOf(Breakouts("    - {host: a.example, ports: [70000]}\n")),
            "p.yaml:5:33: '70000' is not a port or port range (N or N-M, 1..65535)");
  EXPECT_EQ(ErrorOf(Breakouts("    - {host: a.example, ports: [1-]}\n")),
            "p.yaml:5:33: '1-' is not a port or port range (N or N-M, 1..65535)");
  EXPECT_EQ(ErrorOf(Breakouts("    - {host: a.example, ports: []}\n")),
            "p.yaml:5:32: ports must list at least one port or range (omit it for every port)");
  EXPECT_EQ(ErrorOf(Breakouts("    - {host: a.example, ports: 443}\n")),
            "p.yaml:5:32: ports must be a list");
  EXPECT_EQ(ErrorOf(Breakouts("    - {host: a.example, ports: [~]}\n")),
            "p.yaml:5:33: a port must be a number N or a range N-M");
  EXPECT_EQ(ErrorOf(Breakouts("    - {host: a.example, ports: [[1]]}\n")),
            "p.yaml:5:33: a port must be a single value");
  EXPECT_EQ(ErrorOf(Breakouts("    - {cidr: 192.0.2.0/24, protocol: icmp}\n")),
            "p.yaml:5:38: protocol must be tcp | udp, not 'icmp'");
  EXPECT_EQ(ErrorOf(Breakouts("    - {cidr: 192.0.2.0/24, port: 443}\n")),
            "p.yaml:5:28: unknown key 'port' in a breakout entry (expected one of: cidr, host, "
            "protocol, ports)");
  // Every error of the entry, not only the first.
  const std::string both = ErrorOf(Breakouts("    - {host: bad_name!, protocol: sctp}\n"));
  EXPECT_NE(both.find("p.yaml:5:14: 'bad_name!' is not a valid host name"), std::string::npos)
      << both;
  EXPECT_NE(both.find("p.yaml:5:35: protocol must be tcp | udp, not 'sctp'"), std::string::npos)
      << both;
}

TEST(PolicyParser, SameBreakoutTargetWithOtherPortsIsNotADuplicate) {
  auto policy = Parse(Breakouts("    - {host: m.example, protocol: tcp, ports: [443]}\n"
                                "    - {host: m.example, protocol: udp, ports: [443]}\n"
                                "    - {host: m.example, protocol: udp, ports: [443]}\n"));
  ASSERT_TRUE(policy) << policy.error().ToString();
  EXPECT_EQ(policy->breakout.size(), 2u);
  ASSERT_EQ(policy->warnings.size(), 1u);
  EXPECT_EQ(policy->warnings[0].ToString(), "p.yaml:7:7: breakout m.example udp/443 is listed twice");
}

TEST(PortRanges, Merge) {
  EXPECT_EQ(MergePortRanges({{443, 443}, {80, 80}, {81, 90}, {85, 100}}),
            (std::vector<PortRange>{{80, 100}, {443, 443}}));
  EXPECT_EQ(MergePortRanges({{1, 10}, {11, 20}, {65535, 65535}}),
            (std::vector<PortRange>{{1, 20}, {65535, 65535}}));
  EXPECT_EQ(PortRangesText({{80, 90}, {443, 443}}), "80-90,443");
}

}  // namespace
}  // namespace netwarden
