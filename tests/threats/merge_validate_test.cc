#include <gtest/gtest.h>

#include <chrono>

#include "core/yaml_reader.h"
#include "policy/policy_parser.h"
#include "threats/merge.h"
#include "threats/validate.h"
#include "time_budget.h"

namespace netwarden::threats {
namespace {

std::vector<IpNetwork> Nets(std::initializer_list<const char*> texts) {
  std::vector<IpNetwork> out;
  for (const char* text : texts) out.push_back(*IpNetwork::Parse(text));
  return out;
}

std::vector<std::string> Strings(const std::vector<IpNetwork>& entries) {
  std::vector<std::string> out;
  for (const auto& entry : entries) out.push_back(entry.ToString());
  return out;
}

TEST(Merge, RemovesDuplicatesAndCoveredEntries) {
  auto merged = MergeEntries(Nets({"10.1.2.3", "10.0.0.0/8", "10.0.0.0/16", "1.1.1.1", "1.1.1.1",
                                   "2001:db8::1", "2001:db8::/64", "192.168.0.0/24",
                                   "192.168.1.0/24"}));
  EXPECT_EQ(Strings(merged), (std::vector<std::string>{"1.1.1.1", "10.0.0.0/8", "192.168.0.0/24",
                                                       "192.168.1.0/24", "2001:db8::/64"}));
}

TEST(Merge, SplitSeparatesHostsAndPrefixesPerFamily) {
  auto split = Split(MergeEntries(Nets({"1.1.1.1", "2.0.0.0/8", "::1", "2001:db8::/32"})));
  EXPECT_EQ(Strings(split.v4_hosts), (std::vector<std::string>{"1.1.1.1"}));
  EXPECT_EQ(Strings(split.v4_prefixes), (std::vector<std::string>{"2.0.0.0/8"}));
  EXPECT_EQ(Strings(split.v6_hosts), (std::vector<std::string>{"::1"}));
  EXPECT_EQ(Strings(split.v6_prefixes), (std::vector<std::string>{"2001:db8::/32"}));
}

TEST(Merge, DiffAddsAndRemoves) {
  auto before = MergeEntries(Nets({"1.1.1.1", "2.2.2.2", "10.0.0.0/8"}));
  auto after = MergeEntries(Nets({"2.2.2.2", "3.3.3.3", "10.0.0.0/8"}));
  auto diff = Diff(before, after);
  EXPECT_EQ(Strings(diff.added), (std::vector<std::string>{"3.3.3.3"}));
  EXPECT_EQ(Strings(diff.removed), (std::vector<std::string>{"1.1.1.1"}));
  EXPECT_TRUE(Diff(after, after).empty());
}

TEST(Merge, FindCoveringNamesTheEntry) {
  auto merged = MergeEntries(Nets({"1.1.1.1", "10.0.0.0/8", "2001:db8::/32"}));
  EXPECT_EQ(FindCovering(merged, *IpAddress::Parse("10.9.8.7"))->ToString(), "10.0.0.0/8");
  EXPECT_EQ(FindCovering(merged, *IpAddress::Parse("1.1.1.1"))->ToString(), "1.1.1.1");
  EXPECT_EQ(FindCovering(merged, *IpAddress::Parse("2001:db8:5::1"))->ToString(), "2001:db8::/32");
  EXPECT_EQ(FindCovering(merged, *IpAddress::Parse("1.1.1.2")), nullptr);
  EXPECT_EQ(FindCovering(merged, *IpAddress::Parse("11.0.0.0")), nullptr);
  EXPECT_EQ(FindCovering({}, *IpAddress::Parse("1.1.1.1")), nullptr);
}

TEST(Merge, MillionEntriesQuickly) {
  std::vector<IpNetwork> entries;
  for (uint32_t i = 0; i < 1000000; ++i) {
    uint32_t value = (i * 2654435761u) & 0xffffff00u;
    entries.push_back(i % 2 ? IpNetwork::Host(IpAddress::V4(value | 1))
                            : IpNetwork(IpAddress::V4(value), 24));
  }
  auto start = std::chrono::steady_clock::now();
  auto merged = MergeEntries(std::move(entries));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0 * kTimeBudgetScale);
  for (size_t i = 1; i < merged.size(); ++i) ASSERT_FALSE(merged[i - 1].Overlaps(merged[i]));
}

ParsedFeed Parsed(size_t data, size_t bad) {
  ParsedFeed feed;
  feed.data_lines = data;
  feed.bad_lines = bad;
  return feed;
}

TEST(Validate, RefusesHtml) {
  auto result = ValidateFeed("<!DOCTYPE html><html><body>502</body></html>", Parsed(1, 1), 0,
                             std::nullopt, {});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("HTML"), std::string::npos);
}

TEST(Validate, RefusesMostlyGarbage) {
  EXPECT_FALSE(ValidateFeed("x", Parsed(100, 50), 50, std::nullopt, {}));
  EXPECT_TRUE(ValidateFeed("x", Parsed(100, 5), 95, std::nullopt, {}));
}

TEST(Validate, RefusesEmptyAndShrink) {
  EXPECT_FALSE(ValidateFeed("", Parsed(0, 0), 0, std::nullopt, {}));
  ValidationLimits limits;
  limits.max_shrink_fraction = 0.5;
  EXPECT_FALSE(ValidateFeed("x", Parsed(10, 0), 10, 100, limits));
  EXPECT_TRUE(ValidateFeed("x", Parsed(60, 0), 60, 100, limits));
  EXPECT_TRUE(ValidateFeed("x", Parsed(10, 0), 10, std::nullopt, limits));
}

TEST(ThreatPolicy, ParsesTheContract) {
  auto policy = ParsePolicy(R"(version: 1
vpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]}
threat_feeds:
  - name: feodo
    url: https://feeds.example/ipblocklist.csv
    format: csv
    column: dst_ip
    refresh: 1h
    action: block
  - name: drop
    url: file:///var/lib/drop.txt
    action: inspect
inspection:
  interface: wg-inspect
)", "p.yaml");
  ASSERT_TRUE(policy) << policy.error().ToString();
  ASSERT_EQ(policy->threats.feeds.size(), 2u);
  EXPECT_EQ(policy->threats.feeds[0].column, "dst_ip");
  EXPECT_EQ(policy->threats.feeds[0].refresh_seconds, 3600);
  EXPECT_EQ(policy->threats.feeds[1].action, ThreatAction::kInspect);
  EXPECT_EQ(policy->threats.feeds[1].format, "auto");
  EXPECT_EQ(policy->threats.inspection_interface, "wg-inspect");
}

TEST(ThreatPolicy, RefusesBadFeeds) {
  const char* bad[] = {
      "threat_feeds: [{name: 'Bad Name', url: 'http://x'}]",
      "threat_feeds: [{name: a, url: 'ftp://x'}]",
      "threat_feeds: [{name: a, url: 'http://x', format: csv}]",
      "threat_feeds: [{name: a, url: 'http://x', refresh: 5s}]",
      "threat_feeds: [{name: a, url: 'http://x', action: inspect}]",
      "threat_feeds: [{name: a, url: 'http://x'}, {name: a, url: 'http://y'}]",
      "threat_feeds: [{name: a, url: 'http://x', colour: red}]",
  };
  for (const char* text : bad) {
    std::string document = std::string("version: 1\nvpn: {gateways: [{address: 192.0.2.1, port: "
                                       "443, protocol: tcp}]}\n") + text + "\n";
    EXPECT_FALSE(ParsePolicy(document, "p.yaml")) << text;
  }
}

}  // namespace
}  // namespace netwarden::threats

namespace netwarden::threats {
namespace {

TEST(CarveOut, KeepsFeedsOffTheLanLoopbackAndMulticast) {
  auto entries = Nets({"10.1.2.3", "192.168.0.0/16", "127.0.0.1", "1.2.3.4", "8.0.0.0/6",
                       "fd00::1", "2001:db8::/32", "224.0.0.0/3", "ff02::1"});
  size_t touched = CarveOutProtected(entries);
  auto merged = MergeEntries(entries);
  auto covered = [&](const char* address) {
    return FindCovering(merged, *IpAddress::Parse(address)) != nullptr;
  };
  EXPECT_EQ(touched, 7u);  // 5 dropped, 8.0.0.0/6 and 224.0.0.0/3 split
  EXPECT_TRUE(covered("1.2.3.4"));
  EXPECT_TRUE(covered("8.8.8.8"));      // the rest of 8.0.0.0/6 stays listed
  EXPECT_TRUE(covered("11.1.1.1"));
  EXPECT_FALSE(covered("10.0.0.1"));    // ... but not the private 10/8 inside it
  EXPECT_FALSE(covered("192.168.1.1"));
  EXPECT_FALSE(covered("127.0.0.1"));
  EXPECT_FALSE(covered("224.0.0.251"));
  EXPECT_FALSE(covered("255.255.255.255"));
  EXPECT_TRUE(covered("240.0.0.1"));
  EXPECT_TRUE(covered("255.255.255.254"));
  EXPECT_TRUE(covered("2001:db8::5"));
  EXPECT_FALSE(covered("fd00::1"));
  EXPECT_FALSE(covered("ff02::1"));
}

}  // namespace
}  // namespace netwarden::threats

namespace netwarden::threats {
namespace {

TEST(CarveOut, KeepsThePolicysEndpointsReachableAndSaysWhichWereListed) {
  auto entries = Nets({"192.0.2.0/24", "198.51.100.7", "203.0.113.9"});
  const auto endpoints = Nets({"192.0.2.1", "198.51.100.7", "203.0.113.10"});
  const auto listed = ListedEndpoints(entries, endpoints);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].endpoint.ToString(), "192.0.2.1");
  EXPECT_EQ(listed[0].entry.ToString(), "192.0.2.0/24");
  EXPECT_EQ(listed[1].entry.ToString(), "198.51.100.7");
  EXPECT_EQ(CarveOutProtected(entries, endpoints), 2u);  // the /24 split, the host dropped
  const auto merged = MergeEntries(entries);
  auto covering = [&](const char* address) {
    const IpNetwork* entry = FindCovering(merged, *IpAddress::Parse(address));
    return entry ? entry->ToString() : std::string("-");
  };
  EXPECT_EQ(covering("192.0.2.1"), "-");
  EXPECT_EQ(covering("192.0.2.0"), "192.0.2.0");
  EXPECT_EQ(covering("192.0.2.3"), "192.0.2.2/31");
  EXPECT_EQ(covering("192.0.2.200"), "192.0.2.128/25");
  EXPECT_EQ(covering("198.51.100.7"), "-");
  EXPECT_EQ(covering("203.0.113.9"), "203.0.113.9");
}

}  // namespace
}  // namespace netwarden::threats
