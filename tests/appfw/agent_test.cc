// The agent against a fake kernel and a fake file system: identities follow replaced binaries
// and programs that appear later.
#include "appfw/agent.h"

#include <gtest/gtest.h>

#include "appfw/compile.h"
#include "fake_kernel.h"
#include "policy/policy_parser.h"

namespace netwarden::appfw {
namespace {

CompiledTables Tables() {
  auto policy = ParsePolicy(
      "version: 1\napps:\n  rules:\n    - {name: a, program: /usr/bin/a, action: deny}\n"
      "    - {name: b, program: /opt/b, action: deny}\n",
      "p.yaml");
  EXPECT_TRUE(policy);
  return CompileApps(*policy);
}

// Program ids follow the sorted paths: /opt/b = 1, /usr/bin/a = 2.
constexpr uint32_t B = 1, A = 2;

TEST(AppFwAgent, FollowsReplacedAndLateBinaries) {
  FakeKernel kernel;
  FakeFiles files;
  files.files["/usr/bin/a"] = {1, 100};
  AppFwAgent agent(kernel, files);
  ASSERT_TRUE(agent.Apply(Tables(), false));
  EXPECT_EQ(kernel.installed[A], (std::vector<ExeId>{{1, 100}}));
  EXPECT_EQ(agent.MissingPrograms(), (std::vector<std::string>{"/opt/b"}));

  files.files["/usr/bin/a"] = {1, 200};  // upgrade: new inode renamed over the old
  files.files["/opt/b"] = {2, 5};        // appears
  auto changed = agent.Refresh();
  ASSERT_TRUE(changed);
  EXPECT_EQ(*changed, (std::vector<std::string>{"/opt/b", "/usr/bin/a"}));
  EXPECT_EQ(kernel.installed[A], (std::vector<ExeId>{{1, 100}, {1, 200}}));  // old kept
  EXPECT_EQ(kernel.installed[B], (std::vector<ExeId>{{2, 5}}));
  EXPECT_TRUE(agent.MissingPrograms().empty());
  EXPECT_TRUE(agent.Refresh()->empty());  // nothing new

  // A re-apply keeps every executable seen under each path.
  ASSERT_TRUE(agent.Apply(Tables(), false));
  EXPECT_EQ(kernel.installed[A], (std::vector<ExeId>{{1, 100}, {1, 200}}));
}

TEST(AppFwAgent, AKernelFailureKeepsTheOldState) {
  FakeKernel kernel;
  FakeFiles files;
  AppFwAgent agent(kernel, files);
  ASSERT_TRUE(agent.Apply(Tables(), false));
  kernel.fail_next = true;
  EXPECT_FALSE(agent.Apply(CompiledTables{}, false));
  EXPECT_EQ(agent.tables().programs.size(), 2u);
}

}  // namespace
}  // namespace netwarden::appfw
