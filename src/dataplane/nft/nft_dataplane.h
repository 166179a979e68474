#pragma once

#include <memory>

#include "dataplane/dataplane.h"
#include "dataplane/nft/nft_runner.h"

namespace netwarden::nft {

// Dataplane on nftables: one `inet netwarden` table, replaced or set-updated atomically.
class NftDataplane final : public Dataplane {
 public:
  explicit NftDataplane(std::unique_ptr<NftRunner> runner) : runner_(std::move(runner)) {}

  Result<ApplyOutcome> Apply(const Ruleset& ruleset) override;
  Result<void> Remove() override;
  Result<ApplyOutcome> Replace(const Ruleset& ruleset) override;
  Result<bool> IsInstalled() override;
  Result<std::string> Show() override;
  Result<std::string> Fingerprint() override;

 private:
  // The installed table's comment, or "" when no table is installed.
  Result<std::string> InstalledComment();
  Result<ApplyOutcome> Verify(const Ruleset& ruleset, ApplyOutcome::Mode mode);

  std::unique_ptr<NftRunner> runner_;
};

std::unique_ptr<Dataplane> MakeNftDataplane();

}  // namespace netwarden::nft
