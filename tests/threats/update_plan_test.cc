// The pure update plan: minimal set operations from what the kernel holds to the new lists.
#include "threats/update_plan.h"

#include <gtest/gtest.h>

#include "threats/merge.h"

namespace netwarden::threats {
namespace {

std::vector<IpNetwork> Merged(std::initializer_list<const char*> texts) {
  std::vector<IpNetwork> out;
  for (const char* text : texts) out.push_back(*IpNetwork::Parse(text));
  return MergeEntries(std::move(out));
}

std::vector<std::string> Strings(const std::vector<IpNetwork>& entries) {
  std::vector<std::string> out;
  for (const auto& entry : entries) out.push_back(entry.ToString());
  return out;
}

const SetUpdate* Find(const UpdatePlan& plan, const std::string& set) {
  for (const auto& update : plan.updates) {
    if (update.set == set) return &update;
  }
  return nullptr;
}

TEST(UpdatePlan, UnknownKernelStateReplacesEverySetOfEveryFeed) {
  const auto list = Merged({"1.1.1.1", "2.0.0.0/8", "2001:db8::1"});
  const auto plan = PlanUpdate({{"a", &list}}, nullptr);
  EXPECT_TRUE(plan.full);
  ASSERT_EQ(plan.updates.size(), 4u);  // every set flushed, even the empty v6 prefix set
  for (const auto& update : plan.updates) EXPECT_TRUE(update.flush) << update.set;
  EXPECT_EQ(Strings(Find(plan, "f_a_v4")->add), (std::vector<std::string>{"1.1.1.1"}));
  EXPECT_TRUE(Find(plan, "f_a_v4n")->interval);
  EXPECT_EQ(Strings(Find(plan, "f_a_v4n")->add), (std::vector<std::string>{"2.0.0.0/8"}));
  EXPECT_TRUE(Find(plan, "f_a_v6n")->add.empty());
  EXPECT_EQ(plan.changes.at("a").added, 3u);
  EXPECT_TRUE(plan.changes.at("a").replaced);
}

TEST(UpdatePlan, KnownStateIsADiffTouchingOnlyTheSetsThatChange) {
  const auto before = Merged({"1.1.1.1", "2.2.2.2", "10.0.0.0/8", "2001:db8::/32"});
  const auto after = Merged({"2.2.2.2", "3.3.3.3", "10.0.0.0/8", "2001:db8::/32"});
  HeldLists held{{"a", before}};
  const auto plan = PlanUpdate({{"a", &after}}, &held);
  EXPECT_FALSE(plan.full);
  ASSERT_EQ(plan.updates.size(), 1u);
  EXPECT_EQ(plan.updates[0].set, "f_a_v4");
  EXPECT_FALSE(plan.updates[0].flush);
  EXPECT_EQ(Strings(plan.updates[0].add), (std::vector<std::string>{"3.3.3.3"}));
  EXPECT_EQ(Strings(plan.updates[0].remove), (std::vector<std::string>{"1.1.1.1"}));
  EXPECT_EQ(plan.operations(), 2u);
  EXPECT_TRUE(PlanUpdate({{"a", &before}}, &held).updates.empty());  // nothing to do
}

TEST(UpdatePlan, AFeedWithoutARecordIsReplacedAloneTheOthersDiffed) {
  const auto a = Merged({"1.1.1.1"});
  const auto b = Merged({"5.5.5.5"});
  HeldLists held{{"a", a}};
  const auto plan = PlanUpdate({{"a", &a}, {"b", &b}}, &held);
  EXPECT_FALSE(plan.full);
  EXPECT_FALSE(plan.changes.at("a").replaced);
  EXPECT_TRUE(plan.changes.at("b").replaced);
  EXPECT_EQ(plan.updates.size(), 4u);  // b's four sets flushed, nothing for a
  for (const auto& update : plan.updates) EXPECT_TRUE(update.set.starts_with("f_b_")) << update.set;
}

TEST(UpdatePlan, ExpectedEntriesPerSet) {
  const auto list = Merged({"1.1.1.1", "1.1.1.2", "2.0.0.0/8", "2001:db8::/32"});
  const auto expected = ExpectedSetEntries("a", list);
  EXPECT_EQ(expected.at("f_a_v4"), 2u);
  EXPECT_EQ(expected.at("f_a_v4n"), 1u);
  EXPECT_EQ(expected.at("f_a_v6"), 0u);
  EXPECT_EQ(expected.at("f_a_v6n"), 1u);
}

}  // namespace
}  // namespace netwarden::threats
