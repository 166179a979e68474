#pragma once
// The narrow interface between netwarden and a kernel's packet filter. The nftables backend
// implements it on Linux; a Windows Filtering Platform backend would implement the same calls
// from the same Ruleset, without touching policy, decision or compiler code.

#include <cstddef>
#include <string>

#include "compiler/ruleset.h"
#include "core/result.h"

namespace netwarden {

struct ApplyOutcome {
  enum class Mode { kReplaced, kSetsUpdated };
  Mode mode = Mode::kReplaced;
  size_t rules = 0;     // rules the kernel holds in our table after the apply
  size_t elements = 0;  // set elements the kernel holds in our table after the apply
};

class Dataplane {
 public:
  virtual ~Dataplane() = default;

  // Makes the kernel enforce `ruleset` in one atomic transaction, then reads it back and
  // verifies it. When only situational set contents differ from what is installed, only the
  // sets are rewritten. On failure the previous ruleset stays in force.
  virtual Result<ApplyOutcome> Apply(const Ruleset& ruleset) = 0;
  // Removes everything netwarden installed (and nothing else). Removing nothing is not an error.
  virtual Result<void> Remove() = 0;
  // Like Apply, but always replaces the whole table in one transaction (never a set update): the
  // repair after someone else edited it.
  virtual Result<ApplyOutcome> Replace(const Ruleset& ruleset) = 0;
  virtual Result<bool> IsInstalled() = 0;
  // A digest of everything the kernel holds in our table except counters: equal before and after
  // means nobody changed it. "" when no table is installed. Cheap (the forced-VPN table is small).
  virtual Result<std::string> Fingerprint() = 0;
  // What the kernel holds now, for people.
  virtual Result<std::string> Show() = 0;
};

}  // namespace netwarden
