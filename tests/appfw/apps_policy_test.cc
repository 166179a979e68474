// The `apps:` section: contract keys, errors with file:line:col, precedence and shadowed rules.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "appfw/exe_identity.h"
#include "policy/apps_precedence.h"
#include "policy/policy_parser.h"

namespace netwarden {
namespace {

Result<Policy> Parse(const std::string& apps) {
  return ParsePolicy("version: 1\nvpn:\n  gateways: []\n" + apps, "p.yaml");
}

std::string ErrorOf(const std::string& apps) {
  auto policy = Parse(apps);
  EXPECT_FALSE(policy) << "expected an error for:\n" << apps;
  return policy ? "" : policy.error().ToString();
}

std::vector<std::string> AppWarnings(const Policy& policy) {
  std::vector<std::string> out;
  for (const auto& warning : policy.warnings) {
    if (warning.message.find("apps rule") != std::string::npos ||
        warning.message.find("program") != std::string::npos) {
      out.push_back(warning.ToString());
    }
  }
  return out;
}

TEST(AppsParser, ReadsTheContractKeys) {
  auto policy = Parse(R"(apps:
  default: deny
  rules:
    - name: curl-no-web
      program: /usr/bin/env
      direction: out
      protocol: tcp
      remote: [192.0.2.0/24, "2001:db8::/32"]
      ports: [80, 443]
      user: 1000
      action: deny
    - name: server
      program: /usr/bin/env
      direction: in
      user: root
      action: allow
)");
  ASSERT_TRUE(policy) << policy.error().ToString();
  const AppsPolicy& apps = policy->apps;
  EXPECT_TRUE(apps.present);
  EXPECT_EQ(apps.default_action, AppAction::kDeny);
  ASSERT_EQ(apps.rules.size(), 2u);
  const AppRule& rule = apps.rules[0];
  EXPECT_EQ(rule.name, "curl-no-web");
  EXPECT_EQ(rule.program, "/usr/bin/env");
  EXPECT_EQ(rule.direction, AppDirection::kOut);
  EXPECT_EQ(rule.protocol, AppProtocol::kTcp);
  ASSERT_EQ(rule.remote.size(), 2u);
  EXPECT_EQ(rule.remote[1].ToString(), "2001:db8::/32");
  EXPECT_EQ(rule.ports, (std::vector<uint16_t>{80, 443}));
  EXPECT_EQ(rule.uid, 1000u);
  EXPECT_EQ(rule.action, AppAction::kDeny);
  EXPECT_EQ(rule.where.line, 7);
  EXPECT_EQ(apps.rules[1].direction, AppDirection::kIn);
  EXPECT_EQ(apps.rules[1].protocol, AppProtocol::kAny);
  EXPECT_EQ(apps.rules[1].uid, 0u);
  EXPECT_TRUE(apps.rules[1].remote.empty());
  EXPECT_TRUE(AppWarnings(*policy).empty());
}

TEST(AppsParser, DefaultsToAllowWithoutRules) {
  auto policy = Parse("apps: {}\n");
  ASSERT_TRUE(policy) << policy.error().ToString();
  EXPECT_TRUE(policy->apps.present);
  EXPECT_EQ(policy->apps.default_action, AppAction::kAllow);
}

TEST(AppsParser, ReportsErrorsWithTheirLocation) {
  EXPECT_NE(ErrorOf("apps:\n  rules:\n    - name: a\n      program: curl\n      action: deny\n")
                .find("p.yaml:7:16: an apps rule needs 'program'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("apps:\n  default: maybe\n").find("p.yaml:5:12"), std::string::npos);
  EXPECT_NE(ErrorOf("apps:\n  rules:\n    - name: a\n      program: /usr/bin/env\n").find("action"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("apps:\n  rules:\n    - name: a\n      program: /usr/bin/env\n      action: deny\n"
              "      colour: red\n")
          .find("colour"),
      std::string::npos);
  EXPECT_NE(ErrorOf("apps:\n  rules:\n    - {name: a, program: /usr/bin/env, action: deny}\n"
                    "    - {name: a, program: /bin/ls, action: deny}\n")
                .find("duplicate apps rule name 'a'"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("apps:\n  rules:\n    - {name: a, program: /usr/bin/env, action: deny, ports: [0]}\n")
          .find("p.yaml"),
      std::string::npos);
  EXPECT_NE(ErrorOf("apps:\n  rules:\n    - {name: a, program: /usr/bin/env, action: deny, "
                    "remote: [10.0.0.1/8]}\n")
                .find("p.yaml:6"),
            std::string::npos);
  EXPECT_NE(ErrorOf("apps:\n  rules:\n    - {name: default, program: /usr/bin/env, action: deny}\n")
                .find("name"),
            std::string::npos);
  EXPECT_NE(ErrorOf("apps:\n  rules:\n    - {name: a, program: /usr/bin/env, action: deny, "
                    "user: no-such-user-here}\n")
                .find("unknown user"),
            std::string::npos);
}

TEST(AppsParser, WarnsAboutMissingPrograms) {
  auto policy = Parse("apps:\n  rules:\n    - {name: a, program: /no/such/tool, action: deny}\n");
  ASSERT_TRUE(policy) << policy.error().ToString();
  auto warnings = AppWarnings(*policy);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("does not exist on this machine yet"), std::string::npos);
}

TEST(AppsParser, ReadsTheMode) {
  auto enforce = Parse("apps: {}\n");
  ASSERT_TRUE(enforce);
  EXPECT_EQ(enforce->apps.mode, AppMode::kEnforce);  // the default
  auto report = Parse("apps:\n  mode: report\n");
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->apps.mode, AppMode::kReport);
  EXPECT_EQ(ErrorOf("apps:\n  mode: pilot\n").find("p.yaml:5:9:"), 0u);
}

// Issue 14 item 16: identity does not follow links, and check says when a rule's program sits
// where a user could swap it.
TEST(AppsParser, WarnsAboutLinksAndUserWritablePlaces) {
  char pattern[] = "/tmp/nw-apps-XXXXXX";
  const std::string dir = mkdtemp(pattern);
  ASSERT_EQ(chmod(dir.c_str(), 0777), 0);
  const std::string link = dir + "/tool-link", tool = dir + "/tool";
  ASSERT_EQ(symlink("/usr/bin/env", link.c_str()), 0);
  { std::ofstream(tool) << "#!/bin/true\n"; }
  auto policy = Parse("apps:\n  rules:\n    - {name: a, program: " + link +
                      ", action: deny}\n    - {name: b, program: " + tool + ", action: allow}\n" +
                      "    - {name: c, program: /usr/bin/env, action: allow}\n");
  ASSERT_TRUE(policy) << policy.error().ToString();
  std::string text;
  for (const auto& warning : AppWarnings(*policy)) text += warning + "\n";
  EXPECT_NE(text.find("program " + link + " is a symbolic link to /usr/bin/env"), std::string::npos)
      << text;
  EXPECT_NE(text.find("program " + tool + " is in " + dir + ", which"), std::string::npos) << text;
  EXPECT_EQ(text.find("program /usr/bin/env "), std::string::npos) << text;  // root's places

  appfw::LstatExeResolver resolver;
  EXPECT_FALSE(resolver.Resolve(link));  // stat() would have answered /usr/bin/env's identity
  EXPECT_TRUE(resolver.Resolve(tool));
  EXPECT_TRUE(resolver.Resolve("/usr/bin/env"));
  std::filesystem::remove_all(dir);
}

TEST(AppsParser, ReportsRulesThatCanNeverMatch) {
  auto policy = Parse(R"(apps:
  rules:
    - {name: first, program: /usr/bin/env, protocol: tcp, ports: [80], action: deny}
    - {name: same, program: /usr/bin/env, protocol: tcp, ports: [80], action: allow}
    - {name: tcp-all, program: /usr/bin/env, action: allow, protocol: tcp}
    - {name: udp-all, program: /usr/bin/env, action: allow, protocol: udp}
    - {name: any-all, program: /usr/bin/env, action: deny}
    - {name: other-program, program: /bin/ls, protocol: tcp, ports: [80], action: allow}
    - {name: narrower, program: /usr/bin/env, protocol: tcp, ports: [80], remote: [10.0.0.0/8], action: allow}
)");
  ASSERT_TRUE(policy) << policy.error().ToString();
  auto warnings = AppWarnings(*policy);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("p.yaml:7:7: apps rule 'same' can never match: rule 'first' (line 6)"),
            std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[1].find("apps rule 'any-all' can never match"), std::string::npos)
      << warnings[1];
}

TEST(AppsPrecedence, ExpandsProtocolsPortsAndBothFamilies) {
  auto policy = Parse(
      "apps:\n  rules:\n    - {name: a, program: /usr/bin/env, ports: [1, 2], action: deny}\n");
  ASSERT_TRUE(policy) << policy.error().ToString();
  const ExpandedApps expanded = ExpandAppRules(policy->apps);
  EXPECT_EQ(expanded.entries.size(), 2u * 2u * 2u);  // tcp/udp x ports x 0.0.0.0/0, ::/0
  EXPECT_EQ(expanded.entries[0].match.uid, kAnyUid);
  EXPECT_FALSE(expanded.shadowed[0]);
}

TEST(AppsPrecedence, NamedProtocolBeatsAnyWhateverTheOrder) {
  auto policy = Parse(R"(apps:
  rules:
    - {name: any, program: /usr/bin/env, ports: [80], action: deny}
    - {name: tcp, program: /usr/bin/env, protocol: tcp, ports: [80], action: allow}
)");
  ASSERT_TRUE(policy) << policy.error().ToString();
  const ExpandedApps expanded = ExpandAppRules(policy->apps);
  for (const AppEntry& entry : expanded.entries) {
    EXPECT_EQ(entry.rule_index, entry.match.ip_protocol == kIpProtoTcp ? 1u : 0u);
  }
  EXPECT_FALSE(expanded.shadowed[0]);
  EXPECT_FALSE(expanded.shadowed[1]);
}

}  // namespace
}  // namespace netwarden
