// Compiled tables and their evaluation (what explain answers and the kernel mirrors).
#include <gtest/gtest.h>

#include "appfw/compile.h"
#include "appfw/evaluate.h"
#include "policy/apps_precedence.h"
#include "policy/policy_parser.h"

namespace netwarden::appfw {
namespace {

CompiledTables Compile(const std::string& text) {
  auto policy = ParsePolicy(text, "p.yaml");
  EXPECT_TRUE(policy) << policy.error().ToString();
  return policy ? CompileApps(*policy) : CompiledTables{};
}

const std::string kHeader = "version: 1\nvpn:\n  gateways: []\n";

struct Ask {
  const CompiledTables& tables;
  std::string Out(const std::string& program, const std::string& dst, uint16_t port,
                  uint32_t uid = 1000, uint8_t protocol = kIpProtoTcp) const {
    return Name(Evaluate(tables, {tables.AppId(program), uid, AppHook::kConnect, protocol,
                                  *IpAddress::Parse(dst), port}));
  }
  std::string In(const std::string& program, const std::string& src, uint16_t port) const {
    return Name(Evaluate(tables, {tables.AppId(program), 1000, AppHook::kIngress, kIpProtoTcp,
                                  *IpAddress::Parse(src), port}));
  }
  std::string Listen(const std::string& program, uint16_t port,
                     uint8_t protocol = kIpProtoTcp) const {
    return Name(
        Evaluate(tables, {tables.AppId(program), 1000, AppHook::kBind, protocol, {}, port}));
  }
  std::string Name(const TableVerdict& verdict) const {
    return std::string(AppActionName(verdict.action)) + " " + tables.RuleName(verdict.rule_id);
  }
};

TEST(AppTables, MostSpecificWins) {
  const auto tables = Compile(kHeader + R"(apps:
  default: allow
  rules:
    - {name: any-port-wide, program: /a, remote: [10.0.0.0/8], action: deny}
    - {name: port-wide, program: /a, protocol: tcp, ports: [80], remote: [10.0.0.0/8], action: allow}
    - {name: narrow, program: /a, remote: [10.1.0.0/16], action: allow}
    - {name: narrow-port-25, program: /a, ports: [25], remote: [10.1.0.0/16], action: deny}
    - {name: user, program: /a, user: 7, action: deny}
    - {name: v6, program: /a, remote: ["2001:db8::/32"], action: deny}
)");
  const Ask ask{tables};
  EXPECT_EQ(ask.Out("/a", "10.2.0.1", 443), "deny any-port-wide");
  EXPECT_EQ(ask.Out("/a", "10.2.0.1", 80), "allow port-wide");  // port beats any port
  EXPECT_EQ(ask.Out("/a", "10.1.0.1", 80), "allow narrow");     // prefix beats port
  EXPECT_EQ(ask.Out("/a", "10.1.0.1", 25), "deny narrow-port-25");
  EXPECT_EQ(ask.Out("/a", "10.1.0.1", 25, 7), "deny user");  // user beats prefix
  EXPECT_EQ(ask.Out("/a", "192.0.2.1", 80), "allow default");
  EXPECT_EQ(ask.Out("/a", "2001:db8::1", 80), "deny v6");
  EXPECT_EQ(ask.Out("/a", "2001:db9::1", 80), "allow default");
  EXPECT_EQ(ask.Out("/b", "10.2.0.1", 80), "allow default");
  EXPECT_EQ(ask.Out("/a", "10.2.0.1", 80, 1000, kIpProtoUdp), "deny any-port-wide");
}

TEST(AppTables, DefaultDenyAndOtherProtocols) {
  const auto tables = Compile(kHeader +
                              "apps:\n  default: deny\n  rules:\n"
                              "    - {name: web, program: /a, ports: [443], action: allow}\n");
  const Ask ask{tables};
  EXPECT_EQ(ask.Out("/a", "192.0.2.1", 443), "allow web");
  EXPECT_EQ(ask.Out("/a", "192.0.2.1", 80), "deny default");
  EXPECT_EQ(ask.Out("/z", "192.0.2.1", 443), "deny default");
  EXPECT_EQ(ask.Out("/a", "192.0.2.1", 0, 1000, 1), "allow default");  // ICMP is not judged
}

TEST(AppTables, InboundBySourceAndListening) {
  const auto tables = Compile(kHeader + R"(apps:
  rules:
    - {name: admin, program: /srv, direction: in, protocol: tcp, ports: [8080], remote: [10.0.0.2], action: allow}
    - {name: others, program: /srv, direction: in, protocol: tcp, ports: [8080], action: deny}
    - {name: no-8443, program: /lister, direction: in, ports: [8443], action: deny}
    - {name: narrow-deny, program: /lister, direction: in, ports: [22], remote: [10.9.0.0/16], action: deny}
)");
  const Ask ask{tables};
  EXPECT_EQ(ask.In("/srv", "10.0.0.2", 8080), "allow admin");
  EXPECT_EQ(ask.In("/srv", "10.0.0.3", 8080), "deny others");
  EXPECT_EQ(ask.Listen("/srv", 8080), "allow admin");  // some source may connect
  EXPECT_EQ(ask.Listen("/srv", 8081), "allow default");
  EXPECT_EQ(ask.Listen("/lister", 8443), "deny no-8443");
  EXPECT_EQ(ask.Listen("/lister", 8443, kIpProtoUdp), "deny no-8443");
  EXPECT_EQ(ask.Listen("/lister", 22), "allow default");  // narrow denies don't forbid listening
  EXPECT_EQ(ask.Listen("/lister", 0), "allow default");   // ephemeral ports are not judged
  EXPECT_EQ(ask.In("/lister", "10.9.1.1", 22), "deny narrow-deny");
}

TEST(AppTables, GatewayProgramGuardsTheEndpoint) {
  const auto tables = Compile(R"(version: 1
vpn:
  gateways:
    - {address: 198.51.100.7, protocol: tcp, port: 443, program: /usr/bin/vpn}
    - {address: 198.51.100.8, protocol: udp, port: 51820}
)");
  const Ask ask{tables};
  EXPECT_EQ(ask.Out("/usr/bin/vpn", "198.51.100.7", 443), "allow default");
  EXPECT_EQ(ask.Out("/usr/bin/curl", "198.51.100.7", 443),
            "deny gateway-program:198.51.100.7 tcp/443");
  EXPECT_EQ(ask.Out("/usr/bin/curl", "198.51.100.7", 444), "allow default");
  EXPECT_EQ(ask.Out("/usr/bin/curl", "198.51.100.8", 51820, 0, kIpProtoUdp), "allow default");
  ASSERT_EQ(tables.guards.size(), 1u);
}

TEST(AppTables, ProgramsAndRulesHaveDenseIds) {
  const auto tables = Compile(kHeader +
                              "apps:\n  rules:\n"
                              "    - {name: b, program: /b, action: deny}\n"
                              "    - {name: a, program: /a, action: deny}\n");
  EXPECT_EQ(tables.programs, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(tables.AppId("/a"), 1u);
  EXPECT_EQ(tables.AppId("/c"), 0u);
  EXPECT_EQ(tables.RuleName(1), "b");
  EXPECT_EQ(tables.RuleName(0), "default");
  EXPECT_EQ(tables.Rule(1)->where->line, 6);
}

}  // namespace
}  // namespace netwarden::appfw

namespace netwarden::appfw {
namespace {

// apps.mode: report lets the rules' and the default's denies through (reported); a gateway
// guard is the forced VPN's exception and stays enforced.
TEST(CompiledTables, ReportModeSparesOnlyAppsDenies) {
  const std::string policy =
      "version: 1\nvpn:\n  gateways:\n"
      "    - {address: 198.51.100.7, protocol: udp, port: 51820, program: /usr/bin/wg}\n"
      "apps:\n  mode: report\n  default: deny\n  rules:\n"
      "    - {name: a, program: /usr/bin/a, action: deny}\n"
      "    - {name: b, program: /usr/bin/b, action: allow}\n";
  const CompiledTables tables = Compile(policy);
  EXPECT_TRUE(tables.report);
  const AppQuery to_gateway{tables.AppId("/usr/bin/a"),        1000, AppHook::kConnect, kIpProtoUdp,
                            *IpAddress::Parse("198.51.100.7"), 51820};
  const TableVerdict guard = Evaluate(tables, to_gateway);
  EXPECT_TRUE(tables.IsGuard(guard.rule_id));
  EXPECT_FALSE(tables.OnlyReported(guard));
  AppQuery web = to_gateway;
  web.port = 443;
  EXPECT_TRUE(tables.OnlyReported(Evaluate(tables, web)));  // rule a
  web.app_id = 0;
  EXPECT_TRUE(tables.OnlyReported(Evaluate(tables, web)));  // the default
  web.app_id = tables.AppId("/usr/bin/b");
  EXPECT_FALSE(tables.OnlyReported(Evaluate(tables, web)));  // an allow
  EXPECT_FALSE(Compile(kHeader + "apps:\n  default: deny\n").OnlyReported({0, AppAction::kDeny}));
  EXPECT_FALSE(Compile(policy) == Compile(kHeader + "apps:\n  default: deny\n"));
}

}  // namespace
}  // namespace netwarden::appfw
