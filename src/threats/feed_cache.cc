#include "threats/feed_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "threats/feed_parser.h"

namespace netwarden::threats {
namespace {

std::optional<std::string> Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

Error IoError(const std::string& what, const std::string& path) {
  return MakeError(ErrorCode::kIo, "cannot " + what + " " + path + ": " + strerror(errno));
}

Result<void> SyncDirectory(const std::string& directory) {
  int fd = open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open", directory);
  const int synced = fsync(fd);
  close(fd);
  if (synced != 0) return IoError("fsync", directory);
  return Ok();
}

// Temporary file (0600, never through a symlink) written and fsynced, renamed over `path`, the
// directory fsynced so the rename itself survives a power cut.
Result<void> WriteAtomically(const std::string& path, const std::string& content) {
  const std::string temporary = path + ".tmp";
  int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return IoError("create", temporary);
  // A temporary left by an older version may have other permissions: O_CREAT keeps them.
  bool written = fchmod(fd, 0600) == 0;
  for (size_t done = 0; written && done < content.size();) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    written = n > 0;
    if (written) done += static_cast<size_t>(n);
  }
  written = written && fsync(fd) == 0;
  const int saved = errno;
  close(fd);
  errno = saved;
  if (!written) {
    Error error = IoError("write", temporary);
    unlink(temporary.c_str());
    return error;
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0)
    return IoError("rename " + temporary + " to", path);
  return SyncDirectory(std::filesystem::path(path).parent_path().string());
}

}  // namespace

std::string FeedCache::PathOf(const std::string& name, const char* suffix) const {
  return directory_ + "/" + name + suffix;
}

Result<void> FeedCache::EnsureDirectory() const {
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot create " + directory_ + ": " + ec.message());
  // Also when it exists already (made by an older version with 0755): the .meta files hold the
  // feed URLs, which may carry API keys.
  if (chmod(directory_.c_str(), 0700) != 0) return IoError("chmod", directory_);
  return Ok();
}

std::optional<std::string> FeedCache::ReadFeed(const std::string& name) const {
  return Slurp(PathOf(name, ".feed"));
}

Result<void> FeedCache::WriteFeed(const std::string& name, const std::string& text) const {
  return WriteAtomically(PathOf(name, ".feed"), text);
}

std::optional<FeedMeta> FeedCache::ReadMeta(const std::string& name) const {
  auto text = Slurp(PathOf(name, ".meta"));
  if (!text) return std::nullopt;
  auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  FeedMeta meta;
  meta.url = json.value("url", "");
  meta.etag = json.value("etag", "");
  meta.last_modified = json.value("last_modified", "");
  meta.fetched_at = json.value("fetched_at", int64_t{0});
  meta.checked_at = json.value("checked_at", int64_t{0});
  meta.entries = json.value("entries", size_t{0});
  meta.result = json.value("result", "");
  meta.reference_entries = json.value("reference_entries", size_t{0});
  meta.shrink_refusals = json.value("shrink_refusals", 0);
  return meta;
}

Result<void> FeedCache::WriteMeta(const std::string& name, const FeedMeta& meta) const {
  nlohmann::json json = {{"url", meta.url},
                         {"etag", meta.etag},
                         {"last_modified", meta.last_modified},
                         {"fetched_at", meta.fetched_at},
                         {"checked_at", meta.checked_at},
                         {"entries", meta.entries},
                         {"result", meta.result},
                         {"reference_entries", meta.reference_entries},
                         {"shrink_refusals", meta.shrink_refusals}};
  return WriteAtomically(PathOf(name, ".meta"), json.dump(2) + "\n");
}

std::optional<std::vector<IpNetwork>> FeedCache::ReadApplied(const std::string& name) const {
  auto text = Slurp(PathOf(name, ".applied"));
  if (!text) return std::nullopt;
  // Written by us in merged order; parsed as a plain feed, which keeps that order.
  return ParseFeed(*text, FeedFormat::kPlain).entries;
}

Result<void> FeedCache::WriteApplied(const std::string& name,
                                     const std::vector<IpNetwork>& merged) const {
  std::string text;
  text.reserve(merged.size() * 16);
  for (const auto& entry : merged) {
    text += entry.ToString();
    text += '\n';
  }
  return WriteAtomically(PathOf(name, ".applied"), text);
}

void FeedCache::RemoveApplied(const std::string& name) const {
  std::error_code ec;
  std::filesystem::remove(PathOf(name, ".applied"), ec);
}

std::vector<std::string> FeedCache::FeedNames() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& file : std::filesystem::directory_iterator(directory_, ec)) {
    if (file.path().extension() == ".feed") names.push_back(file.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace netwarden::threats
