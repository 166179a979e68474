// The real ThreatKernel: elements through libnftnl batches (set_batch.cc), the skeleton through
// libnftables text without element caches (threat_ruleset.cc), routes through rtnetlink
// (inspect_route.cc), read-back through netlink dumps (table_reader.cc).
#include "dataplane/nft/nft_runner.h"
#include "threats/inspect_route.h"
#include "threats/table_reader.h"
#include "threats/threat_kernel.h"

namespace netwarden::threats {
namespace {

class NetlinkThreatKernel : public ThreatKernel {
 public:
  NetlinkThreatKernel() : runner_(nft::MakeLibnftablesRunner()) {}

  Result<bool> TableExists() override { return threats::TableExists(kThreatTable); }

  Result<void> EnsureSets(const ThreatPolicy& threats) override {
    auto ran = runner_->Run(RenderSetsScript(threats), false);
    if (!ran) return ran.error();
    return Ok();
  }

  Result<BatchStats> CommitSetUpdates(const std::vector<SetUpdate>& updates) override {
    if (updates.empty()) return BatchStats{};
    return threats::CommitSetUpdates(kThreatTable, updates);
  }

  Result<void> ReplaceRules(const ThreatPolicy& threats, const StaleObjects& stale) override {
    auto ran = runner_->Run(RenderRulesScript(threats, stale), false);
    if (!ran) return ran.error();
    return Ok();
  }

  Result<std::string> SetInspectRouting(const std::string& interface) override {
    if (!interface.empty()) return InstallInspectRouting(interface, kInspectMark);
    if (auto removed = RemoveInspectRouting(kInspectMark); !removed) return removed.error();
    return std::string();
  }

  Result<void> DeleteTable() override {
    auto exists = TableExists();
    if (!exists) return exists.error();
    if (!*exists) return Ok();
    auto ran = runner_->Run(std::string("delete table inet ") + kThreatTable, false);
    if (!ran) return ran.error();
    return Ok();
  }

  Result<TableSnapshot> Read(bool count_elements) override {
    return ReadThreatTable(kThreatTable, count_elements);
  }

 private:
  std::unique_ptr<nft::NftRunner> runner_;
};

}  // namespace

std::unique_ptr<ThreatKernel> MakeNetlinkThreatKernel() {
  return std::make_unique<NetlinkThreatKernel>();
}

}  // namespace netwarden::threats
