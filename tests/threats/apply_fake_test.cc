// `threats apply` (threats::ApplyThreats) end to end against the in-memory kernel, with file://
// feeds: full load, diff, the fallbacks to a full replacement in the same run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fake_threat_kernel.h"
#include "threats/apply.h"

namespace netwarden::threats {
namespace {

class ApplyFakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("nw-apply-fake-" + std::to_string(getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    ThreatFeed feed;
    feed.name = "lab";
    feed.url = "file://" + (directory_ / "feed.txt").string();
    policy_.feeds = {feed};
    options_.cache_directory = (directory_ / "cache").string();
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  void Serve(const std::string& text) { std::ofstream(directory_ / "feed.txt") << text; }
  std::vector<std::string> Enforced() {
    std::vector<std::string> out;
    for (const auto& entry : kernel_.Entries("lab")) out.push_back(entry.ToString());
    return out;
  }

  std::filesystem::path directory_;
  ThreatPolicy policy_;
  ApplyOptions options_;
  FakeThreatKernel kernel_;
};

TEST_F(ApplyFakeTest, FullLoadThenADiff) {
  Serve("1.1.1.1\n2.2.2.2\n10.0.0.0/8\n8.8.0.0/16\n");
  auto first = ApplyThreats(policy_, options_, kernel_);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_TRUE(first->full_load);
  EXPECT_EQ(first->feeds.at(0).result, "loaded");
  EXPECT_EQ(first->feeds.at(0).protected_entries, 1u);  // 10/8 kept off
  EXPECT_EQ(Enforced(), (std::vector<std::string>{"1.1.1.1", "2.2.2.2", "8.8.0.0/16"}));
  Serve("1.1.1.1\n3.3.3.3\n8.8.0.0/16\n");
  auto second = ApplyThreats(policy_, options_, kernel_);
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->full_load);
  EXPECT_EQ(second->feeds.at(0).added, 1u);
  EXPECT_EQ(second->feeds.at(0).removed, 1u);
  EXPECT_EQ(kernel_.last_commit_elements, 2u);
  EXPECT_EQ(Enforced(), (std::vector<std::string>{"1.1.1.1", "3.3.3.3", "8.8.0.0/16"}));
  auto again = ApplyThreats(policy_, options_, kernel_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->feeds.at(0).result, "unchanged");
}

TEST_F(ApplyFakeTest, RecordsThatNoLongerMatchTheKernelFallBackToAFullReplacement) {
  Serve("1.1.1.1\n2.2.2.2\n");
  ASSERT_TRUE(ApplyThreats(policy_, options_, kernel_));
  kernel_.state.sets["f_lab_v4"].elements.clear();  // someone flushed the set
  Serve("1.1.1.1\n");
  auto applied = ApplyThreats(policy_, options_, kernel_);  // the diff deletes 2.2.2.2: ENOENT
  ASSERT_TRUE(applied) << applied.error().ToString();
  EXPECT_TRUE(applied->full_load);
  EXPECT_EQ(Enforced(), (std::vector<std::string>{"1.1.1.1"}));
}

TEST_F(ApplyFakeTest, AReadBackMismatchIsReplacedInFullInTheSameRun) {
  Serve("1.1.1.1\n");
  ASSERT_TRUE(ApplyThreats(policy_, options_, kernel_));
  Serve("1.1.1.1\n5.5.5.5\n");
  kernel_.lose_one_element = 1;
  auto applied = ApplyThreats(policy_, options_, kernel_);
  ASSERT_TRUE(applied) << applied.error().ToString();
  EXPECT_TRUE(applied->full_load);
  EXPECT_EQ(Enforced(), (std::vector<std::string>{"1.1.1.1", "5.5.5.5"}));
}

TEST_F(ApplyFakeTest, ARefusedKernelLeavesTheRecordsAsTheyWere) {
  Serve("1.1.1.1\n");
  ASSERT_TRUE(ApplyThreats(policy_, options_, kernel_));
  Serve("1.1.1.1\n6.6.6.6\n");
  kernel_.fail_commits = 2;
  EXPECT_FALSE(ApplyThreats(policy_, options_, kernel_));
  FeedCache cache(options_.cache_directory);
  EXPECT_EQ(cache.ReadApplied("lab")->size(), 1u);
  EXPECT_EQ(*cache.ReadFeed("lab"), "1.1.1.1\n");
}

}  // namespace
}  // namespace netwarden::threats
