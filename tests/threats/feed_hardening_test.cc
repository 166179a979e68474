// Issue 14 item 14: https only, no downgrade by redirect, shrinks judged against the largest
// accepted list (repeated 49 % shrinks no longer accepted one after the other), a private cache.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fake_threat_kernel.h"
#include "policy/policy_parser.h"
#include "threats/apply.h"
#include "threats/feed_cache.h"
#include "threats/fetch.h"
#include "threats/validate.h"

namespace netwarden::threats {
namespace {

std::string PolicyWith(const std::string& feed) {
  return "version: 1\nvpn: {gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]}\n"
         "threat_feeds:\n  - " +
         feed + "\n";
}

TEST(FeedHardening, PlainHttpFeedsAreRefusedByThePolicy) {
  auto plain = ParsePolicy(PolicyWith("{name: a, url: 'http://feeds.example/a'}"), "p.yaml");
  ASSERT_FALSE(plain);
  EXPECT_NE(plain.error().ToString().find("https://"), std::string::npos)
      << plain.error().ToString();
  EXPECT_NE(plain.error().ToString().find("p.yaml:4:"), std::string::npos)
      << plain.error().ToString();
  auto secure = ParsePolicy(
      PolicyWith("{name: a, url: 'https://feeds.example/a', ca_file: /etc/feeds-ca.pem}"),
      "p.yaml");
  ASSERT_TRUE(secure) << secure.error().ToString();
  EXPECT_EQ(secure->threats.feeds[0].ca_file, "/etc/feeds-ca.pem");
  EXPECT_TRUE(ParsePolicy(PolicyWith("{name: a, url: 'file:///var/lib/a.txt'}"), "p.yaml"));
  EXPECT_FALSE(
      ParsePolicy(PolicyWith("{name: a, url: 'https://x/a', ca_file: relative.pem}"), "p.yaml"));
}

TEST(FeedHardening, TheFetcherRefusesHttpWithoutConnecting) {
  FetchRequest request;
  request.url = "http://192.0.2.1:1/feed.txt";  // would hang on connect if it were tried
  request.connect_timeout_seconds = 30;
  auto fetched = Fetch(request);
  ASSERT_FALSE(fetched);
  EXPECT_NE(fetched.error().message.find("https"), std::string::npos) << fetched.error().message;
}

TEST(FeedHardening, ShrinksAreJudgedAgainstTheLargestAcceptedList) {
  ValidationLimits limits;  // 50 %, confirmed by 3 downloads in a row
  auto first = CheckShrink(550, 1000, 0, limits);
  EXPECT_TRUE(first.accept);
  EXPECT_EQ(first.reference, 1000u);  // the reference does not follow the list down
  auto second = CheckShrink(300, first.reference, first.refusals_in_a_row, limits);
  EXPECT_FALSE(second.accept);  // 300 of 550 would pass; of 1000 it does not
  EXPECT_EQ(second.refusals_in_a_row, 1);
  auto third = CheckShrink(300, second.reference, second.refusals_in_a_row, limits);
  EXPECT_FALSE(third.accept);
  auto fourth = CheckShrink(300, third.reference, third.refusals_in_a_row, limits);
  EXPECT_TRUE(fourth.accept);
  EXPECT_TRUE(fourth.confirmed);
  EXPECT_EQ(fourth.reference, 300u);
  EXPECT_EQ(fourth.refusals_in_a_row, 0);
  auto grown = CheckShrink(2000, 300, 0, limits);
  EXPECT_EQ(grown.reference, 2000u);
  auto interrupted = CheckShrink(900, 2000, 2, limits);  // a normal download ends the streak
  EXPECT_TRUE(interrupted.accept);
  EXPECT_EQ(interrupted.refusals_in_a_row, 0);
}

class CacheFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("nw-hardening-" + std::to_string(getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  static unsigned Mode(const std::filesystem::path& path) {
    struct stat info {};
    EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
    return info.st_mode & 07777;
  }
  std::filesystem::path directory_;
};

TEST_F(CacheFiles, TheCacheIsPrivateEvenWhenAnOlderVersionMadeItReadable) {
  const auto cache_dir = directory_ / "cache";
  std::filesystem::create_directories(cache_dir);
  chmod(cache_dir.c_str(), 0755);
  std::ofstream(cache_dir / "a.meta") << "{}";
  chmod((cache_dir / "a.meta").c_str(), 0644);
  FeedCache cache(cache_dir.string());
  ASSERT_TRUE(cache.EnsureDirectory());
  EXPECT_EQ(Mode(cache_dir), 0700u);
  FeedMeta meta;
  meta.url = "https://feeds.example/a?key=SECRET";
  ASSERT_TRUE(cache.WriteMeta("a", meta));
  ASSERT_TRUE(cache.WriteFeed("a", "1.1.1.1\n"));
  ASSERT_TRUE(cache.WriteApplied("a", {*IpNetwork::Parse("1.1.1.1")}));
  for (const char* file : {"a.meta", "a.feed", "a.applied"})
    EXPECT_EQ(Mode(cache_dir / file), 0600u) << file;
  EXPECT_EQ(cache.ReadMeta("a")->url, meta.url);
  EXPECT_FALSE(std::filesystem::exists(cache_dir / "a.meta.tmp"));
}

TEST_F(CacheFiles, RepeatedShrinksAreNotAcceptedRefreshAfterRefresh) {
  ThreatPolicy policy;
  ThreatFeed feed;
  feed.name = "lab";
  feed.url = "file://" + (directory_ / "feed.txt").string();
  policy.feeds = {feed};
  ApplyOptions options;
  options.cache_directory = (directory_ / "cache").string();
  FakeThreatKernel kernel;
  auto serve = [&](int count) {
    std::ofstream out(directory_ / "feed.txt");
    for (int i = 0; i < count; ++i) out << "198.18." << i / 250 << "." << i % 250 + 1 << "\n";
  };
  auto result = [&] {
    auto report = ApplyThreats(policy, options, kernel);
    EXPECT_TRUE(report) << report.error().ToString();
    return report ? report->feeds.at(0).result : std::string("error");
  };
  serve(1000);
  EXPECT_EQ(result(), "loaded");
  serve(550);  // -45 %
  EXPECT_EQ(result(), "loaded");
  serve(300);  // -45 % again: of the 1000 accepted before, -70 %
  EXPECT_NE(result().find("refused: the feed shrank to 300 entries from 1000"), std::string::npos);
  EXPECT_EQ(kernel.Entries("lab").size(), 550u);
  EXPECT_NE(result().find("refused"), std::string::npos);
  EXPECT_NE(result().find("loaded (a shrink confirmed by 3 downloads in a row)"),
            std::string::npos);
  EXPECT_EQ(kernel.Entries("lab").size(), 300u);
  serve(200);  // -33 % of the new reference: fine
  EXPECT_EQ(result(), "loaded");
}

}  // namespace
}  // namespace netwarden::threats
