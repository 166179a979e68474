// agent::ThreatManager against the in-memory kernel: apply, adoption, drift found and repaired,
// failures that keep it dirty and make the next apply a full replacement, the direction of a
// pending change.
#include "agent/threat_manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "fake_threat_kernel.h"
#include "threats/feed_cache.h"
#include "threats/merge.h"

namespace netwarden::agent {
namespace {

using threats::FakeThreatKernel;

std::vector<IpNetwork> Merged(std::initializer_list<const char*> texts) {
  std::vector<IpNetwork> out;
  for (const char* text : texts) out.push_back(*IpNetwork::Parse(text));
  return threats::MergeEntries(std::move(out));
}

std::vector<std::string> Strings(const std::vector<IpNetwork>& entries) {
  std::vector<std::string> out;
  for (const auto& entry : entries) out.push_back(entry.ToString());
  return out;
}

ThreatFeed Feed(const std::string& name, ThreatAction action = ThreatAction::kBlock) {
  ThreatFeed feed;
  feed.name = name;
  feed.url = "https://feeds.example/" + name;
  feed.action = action;
  return feed;
}

threats::PreparedFeed Prepared(const ThreatFeed& feed, std::vector<IpNetwork> merged) {
  threats::PreparedFeed prepared;
  prepared.feed = feed;
  prepared.outcome.name = feed.name;
  prepared.outcome.action = feed.action;
  prepared.outcome.result = "loaded";
  prepared.meta.url = feed.url;
  prepared.new_text = "# test\n";
  prepared.merged = std::move(merged);
  return prepared;
}

threats::PreparedLists Lists(std::vector<threats::PreparedFeed> feeds) {
  threats::PreparedLists lists;
  lists.feeds = std::move(feeds);
  lists.fetched = true;
  lists.prepared_at = 1000;
  return lists;
}

class ThreatManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("nw-threat-manager-" + std::to_string(getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
    MakeManager();
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  void MakeManager() {
    auto fake = std::make_unique<FakeThreatKernel>();
    if (kernel_) fake->state = kernel_->state;  // the kernel outlives the agent
    kernel_ = fake.get();
    ThreatManagerOptions options;
    options.count_elements_every = 1;  // every Resync counts (the default is every 6th)
    options.cache_directory = directory_.string();
    manager_ = std::make_unique<ThreatManager>(std::move(fake), options);
  }

  ThreatPolicy Policy(std::vector<ThreatFeed> feeds) {
    ThreatPolicy policy;
    policy.feeds = std::move(feeds);
    return policy;
  }

  std::filesystem::path directory_;
  FakeThreatKernel* kernel_ = nullptr;
  std::unique_ptr<ThreatManager> manager_;
};

TEST_F(ThreatManagerTest, AppliesThePreparedListsWithoutTheEndpointsAndRecordsThem) {
  const ThreatFeed feed = Feed("lab");
  manager_->SetDesired(
      Policy({feed}), Merged({"192.0.2.1"}),
      Lists({Prepared(feed, Merged({"192.0.2.0/24", "198.51.100.7", "2001:db8::/32"}))}));
  EXPECT_TRUE(manager_->dirty());
  EXPECT_EQ(manager_->pending_direction(), Direction::kTightens);
  ASSERT_TRUE(manager_->Apply());
  EXPECT_FALSE(manager_->dirty());
  EXPECT_EQ(manager_->pending_direction(), Direction::kNone);
  const auto entries = Strings(kernel_->Entries("lab"));
  EXPECT_EQ(std::count(entries.begin(), entries.end(), "198.51.100.7"), 1);
  EXPECT_EQ(threats::FindCovering(kernel_->Entries("lab"), *IpAddress::Parse("192.0.2.1")),
            nullptr);
  EXPECT_NE(threats::FindCovering(kernel_->Entries("lab"), *IpAddress::Parse("192.0.2.2")),
            nullptr);
  ASSERT_EQ(manager_->last_report().feeds.size(), 1u);
  const auto& outcome = manager_->last_report().feeds[0];
  ASSERT_EQ(outcome.listed_endpoints.size(), 1u);
  EXPECT_EQ(outcome.listed_endpoints[0].entry.ToString(), "192.0.2.0/24");
  EXPECT_EQ(outcome.entries, kernel_->Entries("lab").size());
  threats::FeedCache cache(directory_.string());
  EXPECT_EQ(cache.ReadApplied("lab"), kernel_->Entries("lab"));
  EXPECT_EQ(cache.ReadFeed("lab"), "# test\n");
  EXPECT_EQ(cache.ReadMeta("lab")->result, "loaded");
  EXPECT_EQ(manager_->enforced().at("lab"), kernel_->Entries("lab"));
  auto drift = manager_->Resync();
  ASSERT_TRUE(drift);
  EXPECT_TRUE(drift->empty());
}

TEST_F(ThreatManagerTest, ARestartedAgentAdoptsTheTableWithoutReloadingIt) {
  const ThreatFeed feed = Feed("lab");
  const auto list = Merged({"1.1.1.1", "2.0.0.0/8"});
  manager_->SetDesired(Policy({feed}), {}, Lists({Prepared(feed, list)}));
  ASSERT_TRUE(manager_->Apply());
  MakeManager();  // kill -9: the kernel and the cache stay
  auto disk_copy = Prepared(feed, list);
  disk_copy.new_text.reset();
  auto lists = Lists({std::move(disk_copy)});
  lists.fetched = false;
  manager_->SetDesired(Policy({feed}), {}, std::move(lists));
  ASSERT_TRUE(manager_->Apply());
  EXPECT_EQ(kernel_->commits, 0);  // equal lists: not even an empty transaction
  EXPECT_EQ(kernel_->full_flushes, 0);
}

TEST_F(ThreatManagerTest, ADeletedTableIsReportedMissingAndRestoredByTheNextApply) {
  const ThreatFeed feed = Feed("lab");
  manager_->SetDesired(Policy({feed}), {},
                       Lists({Prepared(feed, Merged({"1.1.1.1", "2.0.0.0/8"}))}));
  ASSERT_TRUE(manager_->Apply());
  ASSERT_TRUE(kernel_->DeleteTable());  // `nft delete table inet netwarden_threats`
  auto drift = manager_->Resync();
  ASSERT_TRUE(drift);
  ASSERT_EQ(drift->size(), 1u);
  EXPECT_EQ((*drift)[0].object, "inet netwarden_threats");
  EXPECT_EQ((*drift)[0].found, "missing");
  EXPECT_TRUE(manager_->dirty());
  EXPECT_EQ(manager_->pending_direction(), Direction::kTightens);  // restoring blocks only adds
  ASSERT_TRUE(manager_->Apply());
  EXPECT_EQ(Strings(kernel_->Entries("lab")), (std::vector<std::string>{"1.1.1.1", "2.0.0.0/8"}));
  EXPECT_TRUE(manager_->Resync()->empty());
}

TEST_F(ThreatManagerTest, AChangedRuleOrSetIsReportedAndReplacedInFull) {
  const ThreatFeed feed = Feed("lab");
  manager_->SetDesired(Policy({feed}), {}, Lists({Prepared(feed, Merged({"1.1.1.1", "1.1.1.2"}))}));
  ASSERT_TRUE(manager_->Apply());
  kernel_->state.rules += "add rule inet netwarden_threats output accept\n";
  auto drift = manager_->Resync();
  ASSERT_EQ(drift->size(), 1u);
  EXPECT_EQ((*drift)[0].found, "changed");
  EXPECT_EQ(manager_->pending_direction(), Direction::kMixed);
  ASSERT_TRUE(manager_->Apply());
  EXPECT_TRUE(manager_->Resync()->empty());

  kernel_->state.sets["f_lab_v4"].elements.erase(
      *IpNetwork::Parse("1.1.1.2"));  // nft delete element
  drift = manager_->Resync();
  ASSERT_EQ(drift->size(), 1u);
  EXPECT_EQ((*drift)[0].found, "changed");
  const int flushes = kernel_->full_flushes;
  ASSERT_TRUE(manager_->Apply());
  EXPECT_GT(kernel_->full_flushes, flushes);  // not a diff against a kernel that holds less
  EXPECT_EQ(Strings(kernel_->Entries("lab")), (std::vector<std::string>{"1.1.1.1", "1.1.1.2"}));
}

TEST_F(ThreatManagerTest, AFailedCommitKeepsItDirtyAndTheRetryReplacesInFull) {
  const ThreatFeed feed = Feed("lab");
  manager_->SetDesired(Policy({feed}), {}, Lists({Prepared(feed, Merged({"1.1.1.1"}))}));
  ASSERT_TRUE(manager_->Apply());
  manager_->SetDesired(Policy({feed}), {}, Lists({Prepared(feed, Merged({"1.1.1.1", "3.3.3.3"}))}));
  kernel_->fail_commits = 1;
  EXPECT_FALSE(manager_->Apply());
  EXPECT_TRUE(manager_->dirty());
  EXPECT_TRUE(manager_->full_replacement_pending());
  EXPECT_EQ(threats::FeedCache(directory_.string()).ReadApplied("lab")->size(),
            1u);  // records: the old list
  ASSERT_TRUE(manager_->Apply());
  EXPECT_FALSE(manager_->dirty());
  EXPECT_EQ(Strings(kernel_->Entries("lab")), (std::vector<std::string>{"1.1.1.1", "3.3.3.3"}));
  EXPECT_EQ(threats::FeedCache(directory_.string()).ReadApplied("lab")->size(), 2u);
}

TEST_F(ThreatManagerTest, AReadBackThatDiffersFromTheSetUpdateLeadsToAFullReplacement) {
  const ThreatFeed feed = Feed("lab");
  manager_->SetDesired(Policy({feed}), {}, Lists({Prepared(feed, Merged({"1.1.1.1"}))}));
  ASSERT_TRUE(manager_->Apply());
  manager_->SetDesired(Policy({feed}), {}, Lists({Prepared(feed, Merged({"1.1.1.1", "4.4.4.4"}))}));
  kernel_->lose_one_element = 1;  // the kernel acked, but the set lacks an element
  auto applied = manager_->Apply();
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, ErrorCode::kVerify);
  EXPECT_TRUE(manager_->dirty());
  EXPECT_TRUE(manager_->full_replacement_pending());
  const int flushes = kernel_->full_flushes;
  ASSERT_TRUE(manager_->Apply());
  EXPECT_GT(kernel_->full_flushes, flushes);
  EXPECT_EQ(Strings(kernel_->Entries("lab")), (std::vector<std::string>{"1.1.1.1", "4.4.4.4"}));
}

TEST_F(ThreatManagerTest, SetsRecreatedWithAnotherTypeAreRebuiltAfterAFailedReplacement) {
  const ThreatFeed feed = Feed("lab");
  manager_->SetDesired(Policy({feed}), {}, Lists({Prepared(feed, Merged({"2.0.0.0/8"}))}));
  ASSERT_TRUE(manager_->Apply());
  kernel_->state.sets["f_lab_v4n"] = {false, {}};  // re-created without the interval flag
  EXPECT_EQ(manager_->Resync()->size(), 1u);
  EXPECT_FALSE(manager_->Apply());  // EnsureSets: the set exists with another type
  ASSERT_TRUE(manager_->Apply());   // the table is rebuilt
  EXPECT_EQ(kernel_->deletes, 1);
  EXPECT_TRUE(kernel_->state.sets.at("f_lab_v4n").interval);
  EXPECT_EQ(Strings(kernel_->Entries("lab")), (std::vector<std::string>{"2.0.0.0/8"}));
}

TEST_F(ThreatManagerTest, DirectionOfThePendingChange) {
  const ThreatFeed block = Feed("b");
  const ThreatFeed log = Feed("l", ThreatAction::kLog);
  manager_->SetDesired(
      Policy({block, log}), {},
      Lists({Prepared(block, Merged({"1.1.1.1"})), Prepared(log, Merged({"5.5.5.5"}))}));
  ASSERT_TRUE(manager_->Apply());
  auto direction = [&](std::vector<ThreatFeed> feeds, std::vector<threats::PreparedFeed> prepared,
                       std::vector<IpNetwork> endpoints = {}) {
    manager_->SetDesired(Policy(std::move(feeds)), std::move(endpoints),
                         Lists(std::move(prepared)));
    Direction found = manager_->pending_direction();
    EXPECT_TRUE(manager_->Apply());
    return found;
  };
  EXPECT_EQ(direction({block, log}, {Prepared(block, Merged({"1.1.1.1", "2.2.2.2"}))}),
            Direction::kTightens);
  EXPECT_EQ(direction({block, log}, {Prepared(block, Merged({"2.2.2.2"}))}), Direction::kLoosens);
  EXPECT_EQ(direction({block, log}, {Prepared(block, Merged({"3.3.3.3"}))}), Direction::kMixed);
  EXPECT_EQ(direction({block, log}, {Prepared(log, Merged({"6.6.6.6"}))}),
            Direction::kTightens);  // log: nothing changes
  EXPECT_EQ(direction({block, log}, {}, Merged({"3.3.3.3"})),
            Direction::kLoosens);                                // an endpoint carved out
  EXPECT_EQ(direction({block, log}, {}), Direction::kTightens);  // the endpoint is gone again
  EXPECT_EQ(direction({log}, {}), Direction::kLoosens);          // the block feed removed
  const ThreatFeed inspect = Feed("b", ThreatAction::kInspect);
  ThreatPolicy with_inspection = Policy({inspect, log});
  with_inspection.inspection_interface = "wg-inspect";
  manager_->SetDesired(with_inspection, {}, Lists({Prepared(inspect, Merged({"7.7.7.7"}))}));
  EXPECT_EQ(manager_->pending_direction(), Direction::kMixed);
  ASSERT_TRUE(manager_->Apply());
  EXPECT_EQ(kernel_->state.inspect_interface, "wg-inspect");
  EXPECT_EQ(manager_->pending_direction(), Direction::kNone);
}

TEST_F(ThreatManagerTest, FeedsThePolicyDropsLoseTheirSetsAndRecords) {
  const ThreatFeed a = Feed("a");
  const ThreatFeed b = Feed("b");
  manager_->SetDesired(Policy({a, b}), {},
                       Lists({Prepared(a, Merged({"1.1.1.1"})), Prepared(b, Merged({"2.2.2.2"}))}));
  ASSERT_TRUE(manager_->Apply());
  manager_->SetDesired(Policy({a}), {}, {});
  EXPECT_TRUE(manager_->dirty());
  ASSERT_TRUE(manager_->Apply());
  EXPECT_EQ(kernel_->state.sets.count("f_b_v4"), 0u);
  EXPECT_EQ(kernel_->state.chains.count("a_b"), 0u);
  EXPECT_FALSE(threats::FeedCache(directory_.string()).ReadApplied("b"));
  EXPECT_EQ(manager_->enforced().count("b"), 0u);
  manager_->SetDesired(Policy({}), {}, {});
  ASSERT_TRUE(manager_->Apply());
  EXPECT_FALSE(kernel_->state.table);
  EXPECT_TRUE(manager_->Resync()->empty());
}

}  // namespace
}  // namespace netwarden::agent
