#pragma once
// Which feed lists an address, and the entry (the covering prefix) that matches it — answered
// from the cached lists, never by dumping kernel sets.

#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace netwarden::threats {

struct FeedMatch {
  std::string feed;
  IpNetwork entry;
  bool enforced = false;  // from the list now in the kernel (else from the last good copy)
};

// Every cached feed whose list covers `address`.
std::vector<FeedMatch> ExplainAddress(const std::string& cache_directory, const IpAddress& address);

}  // namespace netwarden::threats
