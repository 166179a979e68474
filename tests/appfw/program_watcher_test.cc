// The program watcher on real files (inotify in a temporary directory, no root): due after a
// change in a watched directory or a directory created on the way, not otherwise.
#include "appfw/program_watcher.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace netwarden::appfw {
namespace {

namespace fs = std::filesystem;

TEST(ProgramWatcher, DueAfterChangesOnly) {
  char pattern[] = "/tmp/nw-watcher-XXXXXX";
  const fs::path dir = mkdtemp(pattern);
  ProgramWatcher watcher(std::chrono::hours(1));
  ASSERT_GE(watcher.fd(), 0);
  watcher.Watch({(dir / "bin/tool").string(), (dir / "app").string()});
  const auto now = ProgramWatcher::Clock::now();
  EXPECT_FALSE(watcher.Due(now));

  std::ofstream(dir / "app") << "v1";  // the program appears
  EXPECT_TRUE(watcher.Due(now));
  EXPECT_FALSE(watcher.Due(now));  // consumed

  fs::create_directory(dir / "bin");  // a directory on the way: now watched as well
  EXPECT_TRUE(watcher.Due(now));
  std::ofstream(dir / "bin/.tool.new") << "v2";
  fs::rename(dir / "bin/.tool.new", dir / "bin/tool");
  EXPECT_TRUE(watcher.Due(now));
  EXPECT_FALSE(watcher.Due(now));
  EXPECT_TRUE(watcher.Due(now + std::chrono::hours(2)));  // the periodic safety net
  fs::remove_all(dir);
}

}  // namespace
}  // namespace netwarden::appfw
