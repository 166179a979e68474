#pragma once
// Runs nftables scripts through libnftables (never the `nft` program). Each Run is one netlink
// batch: all of its commands commit together or not at all.

#include <memory>
#include <string>

#include "core/result.h"

namespace netwarden::nft {

class NftRunner {
 public:
  virtual ~NftRunner() = default;
  // Returns what the commands printed (listings); JSON when `json_output`.
  virtual Result<std::string> Run(const std::string& script, bool json_output) = 0;
};

std::unique_ptr<NftRunner> MakeLibnftablesRunner();

// True when a Run error means "the table/set does not exist".
bool IsNotFound(const Error& error);

}  // namespace netwarden::nft
