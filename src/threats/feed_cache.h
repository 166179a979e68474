#pragma once
// The last good copy of each feed, kept on disk so enforcement starts before any network and a
// failed download never empties a list. Per feed, in the cache directory:
//   <name>.feed     the raw text of the last good download (re-parsed at start)
//   <name>.meta     JSON: url, format, ETag, Last-Modified, fetch/check times, entries, result
//   <name>.applied  the merged entries now in the kernel (the base of the next diff)
// Every file is replaced atomically and durably (temporary file fsynced, renamed, the directory
// fsynced): a power cut leaves the old copy or the new one, never an empty file. Feed URLs may
// carry API keys: the directory is 0700 and every file 0600.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace netwarden::threats {

struct FeedMeta {
  std::string url;
  std::string etag;
  std::string last_modified;
  int64_t fetched_at = 0;  // unix seconds of the last good download
  int64_t checked_at = 0;  // unix seconds of the last attempt
  size_t entries = 0;      // merged entries in the last good copy
  std::string result;      // last attempt: "loaded", "unchanged", "refused: ...", "failed: ..."
  // The shrink rule (validate.h CheckShrink): the largest list accepted since the last confirmed
  // shrink, and how many downloads in a row were refused for shrinking below it.
  size_t reference_entries = 0;
  int shrink_refusals = 0;
};

class FeedCache {
 public:
  explicit FeedCache(std::string directory) : directory_(std::move(directory)) {}
  const std::string& directory() const { return directory_; }

  Result<void> EnsureDirectory() const;
  std::optional<std::string> ReadFeed(const std::string& name) const;
  Result<void> WriteFeed(const std::string& name, const std::string& text) const;
  std::optional<FeedMeta> ReadMeta(const std::string& name) const;
  Result<void> WriteMeta(const std::string& name, const FeedMeta& meta) const;
  // nullopt when nothing was recorded as applied.
  std::optional<std::vector<IpNetwork>> ReadApplied(const std::string& name) const;
  Result<void> WriteApplied(const std::string& name, const std::vector<IpNetwork>& merged) const;
  void RemoveApplied(const std::string& name) const;
  // Names of the feeds that have a last good copy.
  std::vector<std::string> FeedNames() const;

 private:
  std::string PathOf(const std::string& name, const char* suffix) const;
  std::string directory_;
};

}  // namespace netwarden::threats
