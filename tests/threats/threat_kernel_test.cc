// The netlink ThreatKernel and agent::ThreatManager against the real kernel. Run only inside a
// network namespace of its own (tests/threats/kernel_manager_test.sh): it creates and deletes
// table inet netwarden_threats and uses `nft` to play the other tool that changes it.
#include "threats/threat_kernel.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "agent/threat_manager.h"
#include "threats/merge.h"

namespace netwarden::agent {
namespace {

std::vector<IpNetwork> Merged(std::initializer_list<const char*> texts) {
  std::vector<IpNetwork> out;
  for (const char* text : texts) out.push_back(*IpNetwork::Parse(text));
  return threats::MergeEntries(std::move(out));
}

void Nft(const std::string& command) {
  ASSERT_EQ(std::system(("nft " + command).c_str()), 0) << command;
}

class KernelManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ =
        std::filesystem::temp_directory_path() / ("nw-kernel-manager-" + std::to_string(getpid()));
    std::filesystem::remove_all(directory_);
    ThreatManagerOptions options;
    options.count_elements_every = 1;  // every Resync counts (the default is every 6th)
    options.cache_directory = directory_.string();
    manager_ = std::make_unique<ThreatManager>(threats::MakeNetlinkThreatKernel(), options);
    feed_.name = "lab";
    feed_.url = "https://feeds.example/lab";
    policy_.feeds = {feed_};
  }
  void TearDown() override {
    std::system("nft delete table inet netwarden_threats 2>/dev/null");
    std::filesystem::remove_all(directory_);
  }
  threats::PreparedLists Lists(std::vector<IpNetwork> merged) {
    threats::PreparedLists lists;
    threats::PreparedFeed prepared;
    prepared.feed = feed_;
    prepared.outcome.name = feed_.name;
    prepared.outcome.result = "loaded";
    prepared.merged = std::move(merged);
    lists.feeds.push_back(std::move(prepared));
    lists.fetched = true;
    return lists;
  }
  std::filesystem::path directory_;
  ThreatFeed feed_;
  ThreatPolicy policy_;
  std::unique_ptr<ThreatManager> manager_;
};

TEST_F(KernelManagerTest, AppliesReadsBackAndRepairsDrift) {
  manager_->SetDesired(policy_, {},
                       Lists(Merged({"198.51.100.7", "203.0.113.0/24", "2001:db8:5::/64",
                                     "100.0.0.0/24", "100.0.1.0/24"})));
  auto applied = manager_->Apply();
  ASSERT_TRUE(applied) << applied.error().ToString();
  auto snapshot = threats::MakeNetlinkThreatKernel()->Read(true);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->sets.at("f_lab_v4").entries, 1u);
  EXPECT_EQ(snapshot->sets.at("f_lab_v4n").entries, 3u);  // adjacent intervals stay two entries
  EXPECT_TRUE(snapshot->sets.at("f_lab_v4n").interval);
  EXPECT_EQ(snapshot->sets.at("f_lab_v6n").entries, 1u);
  EXPECT_TRUE(snapshot->chains.count("a_lab"));
  auto drift = manager_->Resync();
  ASSERT_TRUE(drift) << drift.error().ToString();
  EXPECT_TRUE(drift->empty()) << "a table just applied reads back as changed";

  // Counters change with traffic; the digest leaves their values out.
  std::system("ping -c1 -W1 203.0.113.1 >/dev/null 2>&1");
  EXPECT_TRUE(manager_->Resync()->empty());

  Nft("delete element inet netwarden_threats f_lab_v4n '{ 203.0.113.0/24 }'");
  drift = manager_->Resync();
  ASSERT_EQ(drift->size(), 1u);
  EXPECT_EQ((*drift)[0].found, "changed");
  ASSERT_TRUE(manager_->Apply());
  EXPECT_EQ(threats::MakeNetlinkThreatKernel()->Read(true)->sets.at("f_lab_v4n").entries, 3u);
  EXPECT_TRUE(manager_->Resync()->empty());

  Nft("add rule inet netwarden_threats output accept");
  drift = manager_->Resync();
  ASSERT_EQ(drift->size(), 1u);
  EXPECT_EQ((*drift)[0].found, "changed");
  ASSERT_TRUE(manager_->Apply());
  EXPECT_TRUE(manager_->Resync()->empty());

  Nft("delete table inet netwarden_threats");
  drift = manager_->Resync();
  ASSERT_EQ(drift->size(), 1u);
  EXPECT_EQ((*drift)[0].object, "inet netwarden_threats");
  EXPECT_EQ((*drift)[0].found, "missing");
  ASSERT_TRUE(manager_->Apply());
  EXPECT_EQ(threats::MakeNetlinkThreatKernel()->Read(true)->sets.at("f_lab_v4").entries, 1u);
  EXPECT_TRUE(manager_->Resync()->empty());
}

// The read-back at scale: what the manager pays after each Apply and per counting Resync.
TEST_F(KernelManagerTest, MillionEntriesReadBackTime) {
  std::vector<IpNetwork> entries;
  for (uint32_t i = 0; i < 500000; ++i) {
    entries.push_back(IpNetwork::Host(IpAddress::V4(0x0b000000u + i * 4)));  // 11.0.0.0/8 hosts
    entries.push_back(IpNetwork(IpAddress::V4(0x2d000000u + i * 4), 30));    // 45.0.0.0/8 /30s
  }
  manager_->SetDesired(policy_, {}, Lists(threats::MergeEntries(std::move(entries))));
  auto started = std::chrono::steady_clock::now();
  auto applied = manager_->Apply();
  ASSERT_TRUE(applied) << applied.error().ToString();
  const double apply_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  started = std::chrono::steady_clock::now();
  auto drift = manager_->Resync();
  const double resync_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(drift);
  EXPECT_TRUE(drift->empty());
  auto kernel = threats::MakeNetlinkThreatKernel();
  started = std::chrono::steady_clock::now();
  ASSERT_TRUE(kernel->Read(false));
  const double structure_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "1 M entries (1.5 M kernel elements): Apply (full load + read-back) %.2f s, Resync with "
      "counts %.2f s, "
      "without counts %.3f s\n",
      apply_seconds, resync_seconds, structure_seconds);
  EXPECT_LT(resync_seconds, 10.0);
  EXPECT_LT(structure_seconds, 1.0);
}

}  // namespace
}  // namespace netwarden::agent
