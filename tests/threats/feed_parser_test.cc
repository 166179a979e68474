#include <gtest/gtest.h>

#include "threats/feed_parser.h"

namespace netwarden::threats {
namespace {

std::vector<std::string> Strings(const ParsedFeed& feed) {
  std::vector<std::string> out;
  for (const auto& entry : feed.entries) out.push_back(entry.ToString());
  return out;
}

TEST(FeedParser, PlainCountsCommentsAndBadLines) {
  auto feed = ParseFeed("# header\n; also a comment\n\n1.2.3.4\n10.0.0.0/8 # trailing\n"
                        "2001:db8::/32\nnot-an-ip\n1.2.3.4/24\r\n",
                        FeedFormat::kPlain);
  EXPECT_EQ(Strings(feed), (std::vector<std::string>{"1.2.3.4", "10.0.0.0/8", "2001:db8::/32"}));
  EXPECT_EQ(feed.data_lines, 5u);
  EXPECT_EQ(feed.bad_lines, 2u);  // garbage and host bits set
  ASSERT_EQ(feed.bad_examples.size(), 2u);
  EXPECT_EQ(feed.bad_examples[0], "not-an-ip");
}

TEST(FeedParser, Ipv4MappedBecomesIpv4) {
  EXPECT_EQ(Strings(ParseFeed("::ffff:1.2.3.4\n::ffff:10.0.0.0/104\n", FeedFormat::kPlain)),
            (std::vector<std::string>{"1.2.3.4", "10.0.0.0/8"}));
}

TEST(FeedParser, LastLineWithoutNewline) {
  EXPECT_EQ(Strings(ParseFeed("1.1.1.1\n2.2.2.2", FeedFormat::kPlain)),
            (std::vector<std::string>{"1.1.1.1", "2.2.2.2"}));
}

TEST(FeedParser, FireholNetset) {
  std::string text =
      "#\n# firehol_level1\n# Maintainer      : FireHOL\n# Maintainer URL  : http://iplists.firehol.org/\n"
      "# This File has 4500 entries\n#\n0.0.0.0/8\n1.10.16.0/20\n5.5.5.5\n";
  EXPECT_EQ(DetectFeedFormat(text), FeedFormat::kFirehol);
  auto feed = ParseFeed(text, FeedFormat::kAuto);
  EXPECT_EQ(feed.format, FeedFormat::kFirehol);
  EXPECT_EQ(Strings(feed), (std::vector<std::string>{"0.0.0.0/8", "1.10.16.0/20", "5.5.5.5"}));
}

TEST(FeedParser, SpamhausLegacyDrop) {
  std::string text = "; Spamhaus DROP List 2024/01/01\n; Last-Modified: x\n"
                     "1.10.16.0/20 ; SBL256894\n2.56.192.0/22 ; SBL459831\n";
  EXPECT_EQ(DetectFeedFormat(text), FeedFormat::kSpamhausDrop);
  auto feed = ParseFeed(text, FeedFormat::kAuto);
  EXPECT_EQ(Strings(feed), (std::vector<std::string>{"1.10.16.0/20", "2.56.192.0/22"}));
  EXPECT_EQ(feed.bad_lines, 0u);
}

TEST(FeedParser, SpamhausJsonSkipsMetadata) {
  std::string text =
      "{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\",\"rir\":\"apnic\"}\n"
      "{\"cidr\":\"2a06:e480::/29\",\"sblid\":\"SBL1\",\"rir\":\"ripencc\"}\n"
      "{\"cidr\":42}\n"
      "{\"type\":\"metadata\",\"timestamp\":1700000000,\"size\":2,\"records\":2}\n";
  EXPECT_EQ(DetectFeedFormat(text), FeedFormat::kSpamhausJson);
  auto feed = ParseFeed(text, FeedFormat::kAuto);
  EXPECT_EQ(Strings(feed), (std::vector<std::string>{"1.10.16.0/20", "2a06:e480::/29"}));
  EXPECT_EQ(feed.data_lines, 3u);
  EXPECT_EQ(feed.bad_lines, 1u);
}

TEST(FeedParser, FeodoCsvWithCommentedHeader) {
  std::string text =
      "################\n# abuse.ch Feodo Tracker\n#\n"
      "# \"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n"
      "\"2021-01-17 07:44:46\",\"51.178.161.32\",\"4643\",\"online\",\"2024-01-01\",\"Dridex\"\n"
      "\"2021-01-17 07:44:46\",\"2001:db8::7\",\"443\",\"online\",\"2024-01-01\",\"QakBot\"\n"
      "\"broken\"\n# end\n";
  EXPECT_EQ(DetectFeedFormat(text), FeedFormat::kCsv);
  auto feed = ParseFeed(text, FeedFormat::kCsv, "dst_ip");
  EXPECT_EQ(Strings(feed), (std::vector<std::string>{"51.178.161.32", "2001:db8::7"}));
  EXPECT_EQ(feed.bad_lines, 1u);
  EXPECT_TRUE(feed.error.empty());
}

TEST(FeedParser, CsvWithoutTheColumnIsAnError) {
  auto feed = ParseFeed("a,b\n1.2.3.4,x\n", FeedFormat::kCsv, "dst_ip");
  EXPECT_FALSE(feed.error.empty());
  EXPECT_TRUE(feed.entries.empty());
}

TEST(FeedParser, PlainCsvHeader) {
  auto feed = ParseFeed("ip,score\n9.9.9.9,3\n", FeedFormat::kCsv, "ip");
  EXPECT_EQ(Strings(feed), (std::vector<std::string>{"9.9.9.9"}));
}

TEST(FeedParser, FormatNames) {
  for (auto format : {FeedFormat::kAuto, FeedFormat::kPlain, FeedFormat::kFirehol,
                      FeedFormat::kSpamhausDrop, FeedFormat::kSpamhausJson, FeedFormat::kCsv}) {
    EXPECT_EQ(ParseFeedFormat(FeedFormatName(format)), format);
  }
  EXPECT_FALSE(ParseFeedFormat("xml"));
}

TEST(FeedParser, HugeTokensAndBinaryNeverCrash) {
  std::string junk(100000, 'A');
  junk += std::string("\n\0\xff\xfe::::/999\n1.2.3.4/\n/8\n", 25);
  auto feed = ParseFeed(junk, FeedFormat::kAuto);
  EXPECT_TRUE(feed.entries.empty());
  EXPECT_GE(feed.bad_lines, 3u);
}

}  // namespace
}  // namespace netwarden::threats
