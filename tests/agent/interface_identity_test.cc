// Which interface is the tunnel, and which names may reach the ruleset (issue 14, items 8 and
// 12): the link kind must be one of vpn.tunnel_kinds, and a name nft text cannot carry is left
// out of every rule instead of breaking every apply.
#include <gtest/gtest.h>

#include <algorithm>

#include "compiler/compiler.h"
#include "core/interface_name.h"
#include "dataplane/nft/nft_renderer.h"
#include "policy/policy_parser.h"
#include "situation/effective_policy.h"

namespace netwarden {
namespace {

constexpr const char* kPolicy = R"(version: 1
vpn:
  gateways:
    - address: 198.51.100.1
      protocol: udp
      port: 51820
  tunnel_interfaces: ["wg*", "tun0"]
trusted_networks:
  - name: office
    https_probe: { url: "https://10.20.0.5/", sha256: "0000000000000000000000000000000000000000000000000000000000000000" }
)";

Policy ParsedPolicy(const std::string& text = kPolicy) {
  auto policy = ParsePolicy(text, "p.yaml");
  EXPECT_TRUE(policy) << policy.error().ToString();
  return *policy;
}

InterfaceState Link(const std::string& name, std::optional<std::string> kind) {
  InterfaceState state;
  state.name = name;
  state.kind = std::move(kind);
  state.addresses.push_back({*IpAddress::Parse("10.99.0.2"), 24});
  return state;
}

TEST(TunnelKinds, DefaultIsWireguardAndTun) {
  const Policy policy = ParsedPolicy();
  EXPECT_EQ(policy.tunnel_kinds, (std::vector<std::string>{"wireguard", "tun"}));
}

TEST(TunnelKinds, OnlyAnAllowedKindNamedLikeTheTunnelIsTheTunnel) {
  const Policy policy = ParsedPolicy();
  Situation situation;
  situation.interfaces = {Link("wg0", "wireguard"), Link("tun0", "tun"), Link("wg9", "veth"),
                          Link("wg8", "macvlan"),   Link("wg7", ""),     Link("wg6", std::nullopt)};
  const EffectivePolicy effective = Resolve(policy, situation);
  // A situation file that does not say the kind is taken at its word (wg6); a physical NIC
  // renamed wg7 (no link kind) is not a tunnel.
  EXPECT_EQ(effective.tunnel_interfaces, (std::vector<std::string>{"wg0", "tun0", "wg6"}));
  EXPECT_FALSE(effective.IsTunnel("wg9"));
  ASSERT_EQ(effective.ignored_interfaces.size(), 3u);
  EXPECT_NE(effective.ignored_interfaces[0].find("'wg9' is named like a tunnel but its link kind "
                                                 "is 'veth'"),
            std::string::npos)
      << effective.ignored_interfaces[0];
  // Not the tunnel, so not in the tunnel set of the ruleset either.
  const std::string table = nft::RenderTable(Compile(effective));
  EXPECT_EQ(table.find("\"wg9\""), std::string::npos);
  EXPECT_NE(table.find("\"wg0\""), std::string::npos);
}

TEST(TunnelKinds, PolicyChoosesTheKinds) {
  std::string text = kPolicy;
  text.replace(text.find("  tunnel_interfaces"), 0, "  tunnel_kinds: [tun, ipip]\n");
  const Policy policy = ParsedPolicy(text);
  EXPECT_EQ(policy.tunnel_kinds, (std::vector<std::string>{"tun", "ipip"}));
  Situation situation;
  situation.interfaces = {Link("wg0", "wireguard"), Link("tun0", "tun")};
  EXPECT_EQ(Resolve(policy, situation).tunnel_interfaces, (std::vector<std::string>{"tun0"}));
}

TEST(TunnelKinds, BadKindsAreErrorsWithTheirPlace) {
  std::string bad = kPolicy;
  bad.replace(bad.find("  tunnel_interfaces"), 0, "  tunnel_kinds: [wireguard, \"Wire Guard\"]\n");
  auto refused = ParsePolicy(bad, "p.yaml");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().ToString().find("p.yaml:7:"), std::string::npos)
      << refused.error().ToString();
  EXPECT_NE(refused.error().ToString().find("'Wire Guard' is not a link kind"), std::string::npos);
  std::string empty = kPolicy;
  empty.replace(empty.find("  tunnel_interfaces"), 0, "  tunnel_kinds: []\n");
  auto refused_empty = ParsePolicy(empty, "p.yaml");
  ASSERT_FALSE(refused_empty);
  EXPECT_NE(refused_empty.error().ToString().find("vpn.tunnel_kinds is empty"), std::string::npos);
}

TEST(TunnelKinds, SituationFileCarriesTheKind) {
  auto situation = ParseSituation(
      "interfaces:\n  - name: wg0\n    kind: wireguard\n"
      "  - name: eth0\n    kind: \"\"\n  - name: wg1\n",
      "s.yaml");
  ASSERT_TRUE(situation) << situation.error().ToString();
  ASSERT_EQ(situation->interfaces.size(), 3u);
  EXPECT_EQ(situation->interfaces[0].kind, "wireguard");
  EXPECT_EQ(situation->interfaces[1].kind, "");
  EXPECT_EQ(situation->interfaces[2].kind, std::nullopt);
}

TEST(InterfaceNames, LinuxRulesAndWhatNftCanCarry) {
  EXPECT_TRUE(IsLinuxInterfaceName("eth0"));
  EXPECT_TRUE(IsLinuxInterfaceName("a\"b}"));  // Linux allows it ...
  EXPECT_TRUE(InterfaceNameProblem("a\"b}"));  // ... the nft text cannot carry it
  EXPECT_FALSE(IsLinuxInterfaceName("a/b"));
  EXPECT_FALSE(IsLinuxInterfaceName("a:b"));
  EXPECT_FALSE(IsLinuxInterfaceName("a b"));
  EXPECT_FALSE(IsLinuxInterfaceName(".."));
  EXPECT_FALSE(IsLinuxInterfaceName("sixteen-chars-xx"));
  EXPECT_FALSE(IsLinuxInterfaceName(std::string("a\0b", 3)));
  for (const char* fine : {"eth0", "wlp2s0", "enx00e04c680001", "br-1a2b", "veth.1@x", "a}b{c"}) {
    EXPECT_FALSE(InterfaceNameProblem(fine)) << fine;
  }
  for (const char* unusable : {"a\"b", "a\\b", "wg*", "\x01x", "caf\xc3\xa9"}) {
    EXPECT_TRUE(InterfaceNameProblem(unusable)) << unusable;
  }
  EXPECT_EQ(PrintableInterfaceName("a\x01\"b"), "a\\x01\"b");
  // Patterns are made of usable characters, with at most a trailing '*'.
  EXPECT_TRUE(IsValidInterfacePattern("wg*"));
  EXPECT_FALSE(IsValidInterfacePattern("w\"g*"));
  EXPECT_FALSE(IsValidInterfacePattern("w\\g"));
  EXPECT_FALSE(IsValidInterfacePattern("w*g"));
  EXPECT_FALSE(IsValidInterfacePattern("*"));
}

TEST(InterfaceNames, AnUnusableNameIsInNoRuleAndTheRestStillRenders) {
  const Policy policy = ParsedPolicy();
  Situation situation;
  situation.interfaces = {Link("wg\"}x", "wireguard"), Link("wg0", "wireguard"), Link("e\"th0", ""),
                          Link("eth1", "")};
  situation.verified_trusted = {{"office", "e\"th0"}, {"office", "eth1"}};
  situation.portal_window_open = true;
  const EffectivePolicy effective = Resolve(policy, situation);
  EXPECT_EQ(effective.tunnel_interfaces, (std::vector<std::string>{"wg0"}));
  ASSERT_EQ(effective.trusted_interfaces.size(), 1u);
  EXPECT_EQ(effective.trusted_interfaces.begin()->first, "eth1");
  // The tunnel (wg0) is up: a portal window opens nothing (issue 14 item 17).
  EXPECT_TRUE(effective.portal_window_interfaces.empty());
  EXPECT_EQ(effective.ignored_interfaces.size(), 2u);
  const std::string table = nft::RenderTable(Compile(effective));
  EXPECT_EQ(table.find("wg\"}x"), std::string::npos);
  EXPECT_EQ(table.find("e\"th0"), std::string::npos);
  EXPECT_NE(table.find("\"eth1\""), std::string::npos);
}

TEST(InterfaceNames, SituationFilesRefuseThemWithTheirPlace) {
  auto refused = ParseSituation("interfaces:\n  - name: 'a\"b}'\n", "s.yaml");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().ToString().find("s.yaml:2:"), std::string::npos)
      << refused.error().ToString();
  EXPECT_NE(refused.error().ToString().find("cannot be used in firewall rules"), std::string::npos);
  auto refused_trust =
      ParseSituation("verified_trusted:\n  - network: office\n    interface: 'e/th0'\n", "s.yaml");
  ASSERT_FALSE(refused_trust);
  EXPECT_NE(refused_trust.error().ToString().find("s.yaml:3:"), std::string::npos)
      << refused_trust.error().ToString();
}

// Issue 14, item 10 (kept here with the other policy checks of this hardening pass).
TEST(HttpsProbe, PublicProbeAddressIsWarnedAbout) {
  std::string text = kPolicy;
  text.replace(text.find("10.20.0.5"), 9, "192.0.2.5");
  const Policy policy = ParsedPolicy(text);
  const bool warned =
      std::any_of(policy.warnings.begin(), policy.warnings.end(), [](const Diagnostic& d) {
        return d.ToString().find(
                   "https_probe host 192.0.2.5 is a public address: a hostile network "
                   "can relay the probe") != std::string::npos;
      });
  EXPECT_TRUE(warned);
  for (const auto& warning : policy.warnings) {
    if (warning.message.find("public address") != std::string::npos) {
      EXPECT_EQ(warning.ToString().rfind("p.yaml:10:", 0), 0u) << warning.ToString();
    }
  }
  const Policy private_probe = ParsedPolicy();  // 10.20.0.5: reachable only inside
  for (const auto& warning : private_probe.warnings) {
    EXPECT_EQ(warning.message.find("relay"), std::string::npos) << warning.ToString();
  }
}

}  // namespace
}  // namespace netwarden
