// Issue 14 item 6: feed ingestion is bounded. Merged before the protected ranges are carved out
// (one 0.0.0.0/0 used to become 72 pieces per line), entries capped per feed and in total,
// prefixes shorter than a minimum refused, the download size limited, the attempt recorded
// before parsing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "policy/policy_parser.h"
#include "threats/feed_cache.h"
#include "threats/feed_parser.h"
#include "threats/fetch.h"
#include "threats/prepare.h"
#include "threats/validate.h"
#include "time_budget.h"

namespace netwarden::threats {
namespace {

double CpuSeconds(std::clock_t since) {
  return static_cast<double>(std::clock() - since) / CLOCKS_PER_SEC;
}

TEST(IngestLimits, HundredThousandShortLinesTakeWellUnderASecond) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += i % 2 ? "0.0.0.0/1\n" : "128.0.0.0/1\n";
  EntryLimits limits;
  limits.min_prefix_v4 = 0;  // allowed here: what matters is the work per line
  const std::clock_t started = std::clock();
  ParsedFeed parsed = ParseFeed(text, FeedFormat::kPlain);
  size_t touched = 0;
  auto cleaned = CleanEntries(std::move(parsed.entries), limits, touched);
  const double cpu = CpuSeconds(started);
  ASSERT_TRUE(cleaned) << cleaned.error().ToString();
  EXPECT_LT(cpu, 0.5 * kTimeBudgetScale);
  EXPECT_LT(cleaned->size(), 200u);  // the two halves around the protected ranges, once
  EXPECT_EQ(touched, 2u);
  for (size_t i = 1; i < cleaned->size(); ++i)
    ASSERT_FALSE((*cleaned)[i - 1].Overlaps((*cleaned)[i]));
  for (const auto& entry : *cleaned) {
    for (const auto& range : ProtectedNetworks())
      ASSERT_FALSE(entry.Overlaps(range)) << entry.ToString();
  }
}

TEST(IngestLimits, PrefixesShorterThanTheMinimumRefuseTheFeed) {
  auto clean = [](std::initializer_list<const char*> texts) {
    std::vector<IpNetwork> entries;
    for (const char* text : texts) entries.push_back(*IpNetwork::Parse(text));
    size_t touched = 0;
    return CleanEntries(std::move(entries), EntryLimits{}, touched);
  };
  auto everything = clean({"1.2.3.4", "0.0.0.0/0"});
  ASSERT_FALSE(everything);
  EXPECT_NE(everything.error().message.find("0.0.0.0/0"), std::string::npos)
      << everything.error().message;
  EXPECT_NE(everything.error().message.find("/8"), std::string::npos) << everything.error().message;
  EXPECT_FALSE(clean({"::/0"}));
  EXPECT_FALSE(clean({"2000::/15"}));
  EXPECT_FALSE(clean({"8.0.0.0/7"}));
  EXPECT_TRUE(clean({"8.0.0.0/8", "2001::/16"}));
}

TEST(IngestLimits, AFeedWithMoreEntriesThanItsCapIsRefusedWithoutKeepingThemAll) {
  std::string text;
  for (int i = 0; i < 5000; ++i)
    text += "198.18." + std::to_string(i / 250) + "." + std::to_string(i % 250) + "\n";
  ParsedFeed parsed = ParseFeed(text, FeedFormat::kPlain, {}, 1000);
  EXPECT_LE(parsed.entries.size(), 1001u);
  EXPECT_NE(parsed.error.find("more than 1000 entries"), std::string::npos) << parsed.error;
  EXPECT_FALSE(ValidateFeed(text, parsed, parsed.entries.size(), std::nullopt, {}));
  EXPECT_TRUE(ParseFeed(text, FeedFormat::kPlain, {}, 5000).error.empty());
}

TEST(IngestLimits, DefaultsAreSane) {
  EXPECT_EQ(PrepareOptions{}.max_bytes, 64u * 1024 * 1024);
  EXPECT_EQ(FetchRequest{}.max_bytes, 64u * 1024 * 1024);
  EXPECT_EQ(EntryLimits{}.min_prefix_v4, 8);
  EXPECT_EQ(EntryLimits{}.min_prefix_v6, 16);
  EXPECT_EQ(ThreatFeed{}.max_entries, 2'000'000u);
  EXPECT_EQ(ValidationLimits{}.max_total_entries, 4'000'000u);
}

TEST(IngestLimits, ThePolicyConfiguresTheLimitsPerFeed) {
  auto policy = ParsePolicy(R"(version: 1
vpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]}
threat_feeds:
  - {name: a, url: "https://x/a", max_entries: 5000, min_prefix_v4: 12, min_prefix_v6: 24}
)",
                            "p.yaml");
  ASSERT_TRUE(policy) << policy.error().ToString();
  EXPECT_EQ(policy->threats.feeds[0].max_entries, 5000u);
  EXPECT_EQ(policy->threats.feeds[0].min_prefix_v4, 12);
  EXPECT_EQ(policy->threats.feeds[0].min_prefix_v6, 24);
  for (const char* bad :
       {"max_entries: 0", "min_prefix_v4: 33", "min_prefix_v6: -1", "max_entries: many"}) {
    std::string text =
        std::string(
            "version: 1\nvpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]}\n"
            "threat_feeds:\n  - {name: a, url: \"https://x/a\", ") +
        bad + "}\n";
    EXPECT_FALSE(ParsePolicy(text, "p.yaml")) << bad;
  }
}

class PrepareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("nw-prepare-" + std::to_string(getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    options_.cache_directory = (directory_ / "cache").string();
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  ThreatFeed Serve(const std::string& name, const std::string& text) {
    std::ofstream(directory_ / (name + ".txt")) << text;
    ThreatFeed feed;
    feed.name = name;
    feed.url = "file://" + (directory_ / (name + ".txt")).string();
    return feed;
  }
  std::filesystem::path directory_;
  PrepareOptions options_;
};

TEST_F(PrepareTest, TheAttemptIsRecordedBeforeParsing) {
  ThreatPolicy policy;
  policy.feeds = {Serve("a", "1.1.1.1\n")};
  const int64_t before = static_cast<int64_t>(time(nullptr));
  PreparedLists prepared = PrepareFeeds(policy, options_);
  ASSERT_EQ(prepared.feeds.size(), 1u);
  // Nothing committed (a crash here): the attempt is on disk, so a restart does not repeat it
  // at once, and it says it did not finish.
  auto meta = FeedCache(options_.cache_directory).ReadMeta("a");
  ASSERT_TRUE(meta);
  EXPECT_GE(meta->checked_at, before);
  EXPECT_NE(meta->result.find("did not finish"), std::string::npos) << meta->result;
}

TEST_F(PrepareTest, TheTotalCapRefusesTheFeedThatWouldExceedIt) {
  ThreatPolicy policy;
  policy.feeds = {Serve("a", "1.1.1.1\n1.1.1.2\n"), Serve("b", "2.2.2.1\n2.2.2.2\n")};
  options_.limits.max_total_entries = 3;
  PreparedLists prepared = PrepareFeeds(policy, options_);
  EXPECT_FALSE(prepared.feeds[0].outcome.problem);
  EXPECT_TRUE(prepared.feeds[1].outcome.problem);
  EXPECT_NE(prepared.feeds[1].outcome.result.find("together"), std::string::npos)
      << prepared.feeds[1].outcome.result;
  EXPECT_TRUE(prepared.feeds[1].merged.empty());
}

TEST_F(PrepareTest, ADownloadBeyondTheSizeLimitIsRefused) {
  ThreatPolicy policy;
  policy.feeds = {Serve("a", std::string(5000, '#') + "\n1.1.1.1\n")};
  options_.max_bytes = 1000;
  PreparedLists prepared = PrepareFeeds(policy, options_);
  EXPECT_TRUE(prepared.feeds[0].outcome.problem);
  EXPECT_NE(prepared.feeds[0].outcome.result.find("larger than the limit"), std::string::npos);
}

TEST_F(PrepareTest, AFeedOfEverythingIsRefusedNotEnforced) {
  ThreatPolicy policy;
  policy.feeds = {Serve("a", "0.0.0.0/0\n::/0\n")};
  PreparedLists prepared = PrepareFeeds(policy, options_);
  EXPECT_TRUE(prepared.feeds[0].outcome.problem);
  EXPECT_TRUE(prepared.feeds[0].merged.empty());
  EXPECT_NE(prepared.feeds[0].outcome.result.find("refused"), std::string::npos)
      << prepared.feeds[0].outcome.result;
}

}  // namespace
}  // namespace netwarden::threats
