// Kernel-free differential test: for random policies, situations and flows, the compiled
// ruleset's output chain (evaluated in user space) gives the same verdict and rule as the
// reference decision function. The lab's differential test then holds the kernel to the same.
#include <gtest/gtest.h>

#include <random>

#include "compiler/compiler.h"
#include "compiler/ruleset_eval.h"
#include "decision/decide.h"
#include "policy/policy_parser.h"

namespace netwarden {
namespace {

const char* kPolicies[] = {
    R"(version: 1
vpn:
  gateways:
    - {host: vpn.example.net, protocol: udp, port: 51820}
    - {address: 203.0.113.10, protocol: tcp, port: 443, user: 1000}
    - {address: "2001:db8::10", protocol: udp, port: 51820}
  tunnel_interfaces: ["wg*", "tun0"]
  dhcp_client_users: [root, 998]
trusted_networks:
  - {name: office, https_probe: {url: "https://10.20.0.5/", sha256: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}}
  - {name: branch, interface_subnet: 10.30.0.0/16}
proxies: [{address: 10.20.0.8, port: 3128}]
exceptions:
  breakout: [{cidr: 192.0.2.96/28}, {host: meet.example.com}, {cidr: "2001:db8:99::/48"}]
  captive_portal: [{host: login.hotspot.example}]
  lan: private
  dns_resolvers: [192.168.1.1]
)",
    R"(version: 1
vpn:
  gateways: [{address: 198.51.100.1, protocol: udp, port: 51820, user: 0}]
  tunnel_interfaces: ["wg0"]
exceptions: {lan: none}
)",
    "version: 1\nvpn:\n",
    // Report mode: the same rules, nothing blocked; the evaluator and decide() must still agree
    // on the rule and on "would reject".
    R"(version: 1
vpn:
  mode: report
  gateways: [{address: 198.51.100.1, protocol: udp, port: 51820, user: 0}, {host: vpn.example.net, protocol: udp, port: 51820}]
  tunnel_interfaces: ["wg*"]
trusted_networks:
  - {name: branch, interface_subnet: 10.30.0.0/16}
exceptions:
  breakout: [{cidr: 192.0.2.96/28}]
  captive_portal: [{host: login.hotspot.example}]
  lan: private
  dns_resolvers: [192.168.1.1]
)",
    // Breakouts naming protocols and ports: nested prefixes with overlapping ports (the
    // compiler's profile sets), a name, an entry that opens everything beside them.
    R"(version: 1
vpn:
  gateways: [{address: 198.51.100.1, protocol: udp, port: 51820}]
  tunnel_interfaces: ["wg*"]
exceptions:
  breakout:
    - {host: meet.example.com, protocol: udp, ports: [3478-3481]}
    - {host: meet.example.com, protocol: tcp, ports: [443]}
    - {cidr: 192.0.2.64/26, ports: [80, 443]}
    - {cidr: 192.0.2.96/28, protocol: udp, ports: [22-3480]}
    - {cidr: 192.0.2.99, protocol: tcp}
    - {cidr: "2001:db8:99::/48", protocol: udp, ports: [443, 51821]}
    - {cidr: 192.0.2.100/32}
)",
};

const char* kDestinations[] = {"10.20.0.5", "192.0.2.80",  "192.0.2.99",   "192.0.2.100",  "198.51.100.1",
                               "203.0.113.10", "10.20.0.8",   "192.168.1.1",  "10.30.1.1",
                               "192.0.2.200", "2001:db8::10", "2001:db8::80", "2001:db8:99::1",
                               "fe80::1",     "127.0.0.1",    "224.0.0.251",  "8.8.8.8"};
const uint16_t kPorts[] = {0,   21,   22,   53,   67,   80,   443,   547,
                           853, 3128, 3477, 3478, 3481, 3482, 51820, 51821};
const char* kInterfaces[] = {"eth0", "wg0", "wg1", "tun0", "lo"};

Situation RandomSituation(std::mt19937& random) {
  auto pick = [&](int n) { return static_cast<int>(random() % n); };
  Situation situation;
  const char* eth_addresses[] = {"192.168.1.10", "10.30.4.4", "192.0.2.10", "10.20.9.9"};
  situation.interfaces.push_back({"eth0", {{*IpAddress::Parse(eth_addresses[pick(4)]), 24}}});
  if (pick(2)) situation.interfaces.push_back({"wg0", {{*IpAddress::Parse("10.99.0.2"), 32}}});
  if (pick(3) == 0) situation.interfaces.push_back({"tun0", {}});
  if (pick(3) == 0) situation.verified_trusted.push_back({"office", "eth0"});
  if (pick(4)) situation.resolved["vpn.example.net"] = {*IpAddress::Parse("198.51.100.1")};
  if (pick(2)) situation.resolved["meet.example.com"] = {*IpAddress::Parse("192.0.2.80")};
  if (pick(2)) situation.resolved["login.hotspot.example"] = {*IpAddress::Parse("192.0.2.200")};
  if (pick(2)) situation.dns_resolvers.push_back(*IpAddress::Parse("10.30.1.1"));
  situation.portal_window_open = pick(4) == 0;
  return situation;
}

TEST(CompilerVsDecision, RandomFlowsAgree) {
  const unsigned seed = std::random_device{}();
  std::mt19937 random(seed);
  int compared = 0;
  for (const char* text : kPolicies) {
    auto policy = ParsePolicy(text, "p.yaml");
    ASSERT_TRUE(policy) << policy.error().ToString();
    for (int s = 0; s < 40; ++s) {
      const Situation situation = RandomSituation(random);
      const EffectivePolicy effective = Resolve(*policy, situation);
      const Ruleset ruleset = Compile(effective);
      for (int f = 0; f < 100; ++f) {
        Flow flow;
        flow.protocol = static_cast<FlowProtocol>(random() % 3);
        flow.destination = *IpAddress::Parse(kDestinations[random() % std::size(kDestinations)]);
        flow.port = flow.protocol == FlowProtocol::kIcmp ? 0 : kPorts[random() % std::size(kPorts)];
        const uint16_t source_ports[] = {68, 546, 40000, 40001};
        flow.source_port = source_ports[random() % std::size(source_ports)];
        flow.output_interface = kInterfaces[random() % std::size(kInterfaces)];
        const uint32_t uids[] = {0, 998, 1000};
        flow.uid = uids[random() % std::size(uids)];
        const Decision decision = DecideOutbound(effective, flow);
        const RulesetVerdict kernel = EvaluateOutput(ruleset, flow);
        const bool allowed = kernel.action == Action::kAccept;
        ASSERT_EQ(kernel.Passes(), Passes(decision.verdict)) << "seed " << seed;
        ASSERT_EQ(kernel.logged_only, decision.verdict == Verdict::kWouldReject) << "seed " << seed;
        ASSERT_EQ(allowed, decision.verdict == Verdict::kAllow)
            << "seed " << seed << ": " << FlowProtocolName(flow.protocol) << " "
            << flow.destination.ToString() << ":" << flow.port << " oif " << flow.output_interface
            << " uid " << flow.uid << " decision " << decision.rule << " ruleset " << kernel.rule;
        ASSERT_EQ(kernel.rule, decision.rule) << "seed " << seed;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, static_cast<int>(std::size(kPolicies)) * 40 * 100);
}

}  // namespace
}  // namespace netwarden

namespace netwarden {
namespace {

// Random breakout lists (nested prefixes, shared and overlapping ports, both protocols): the
// compiled ruleset (one set and one rule per profile) opens exactly what decide() opens.
TEST(CompilerBreakoutPorts, RandomEntriesAgree) {
  const unsigned seed = std::random_device{}();
  std::mt19937 random(seed);
  const char* prefixes[] = {"10.0.0.0/8",    "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3",
                            "10.1.2.128/25", "10.2.0.0/16", "10.1.2.4"};
  const char* protocols[] = {"", ", protocol: tcp", ", protocol: udp"};
  const char* ports[] = {"", ", ports: [443]", ", ports: [80-443, 8080]", ", ports: [3478-3481]",
                         ", ports: [1-79]"};
  const uint16_t edges[] = {1, 79, 80, 81, 442, 443, 444, 3478, 3481, 8080, 65535};
  for (int round = 0; round < 200; ++round) {
    std::string text = "version: 1\nvpn: {}\nexceptions:\n  breakout:\n";
    for (int i = 1 + static_cast<int>(random() % 6); i > 0; --i) {
      text += std::string("    - {cidr: ") + prefixes[random() % std::size(prefixes)] +
              protocols[random() % std::size(protocols)] + ports[random() % std::size(ports)] +
              "}\n";
    }
    auto policy = ParsePolicy(text, "p.yaml");
    ASSERT_TRUE(policy) << policy.error().ToString() << "\n" << text;
    const EffectivePolicy effective = Resolve(*policy, Situation{});
    const Ruleset ruleset = Compile(effective);
    for (int f = 0; f < 200; ++f) {
      Flow flow;
      flow.protocol = static_cast<FlowProtocol>(random() % 3);
      const char* destinations[] = {"10.1.2.3", "10.1.2.4", "10.1.2.200", "10.1.9.9",
                                    "10.2.0.1", "10.9.9.9", "11.0.0.1"};
      flow.destination = *IpAddress::Parse(destinations[random() % std::size(destinations)]);
      flow.port = flow.protocol == FlowProtocol::kIcmp ? 0 : edges[random() % std::size(edges)];
      flow.output_interface = "eth0";
      flow.uid = 1000;
      const RulesetVerdict kernel = EvaluateOutput(ruleset, flow);
      const Decision decision = DecideOutbound(effective, flow);
      ASSERT_EQ(kernel.rule, decision.rule)
          << "seed " << seed << ": " << FlowProtocolName(flow.protocol) << " "
          << flow.destination.ToString() << ":" << flow.port << "\n"
          << text;
    }
  }
}

}  // namespace
}  // namespace netwarden
