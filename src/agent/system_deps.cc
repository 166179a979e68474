// The real outside world of `netwarden agent`: rtnetlink, OpenSSL probes, c-ares lookups and
// nftables through libnftables.
#include "agent/agent_ports.h"
#include "agent/nflog_source.h"
#include "dataplane/nft/nft_dataplane.h"

namespace netwarden::agent {
namespace {

class RtnetlinkSource final : public NetworkSource {
 public:
  explicit RtnetlinkSource(std::unique_ptr<InterfaceMonitor> monitor)
      : monitor_(std::move(monitor)) {}
  int notification_fd() const override { return monitor_->notification_fd(); }
  bool DrainNotifications() override { return monitor_->DrainNotifications(); }
  Result<NetworkSnapshot> Snapshot() override { return monitor_->Snapshot(); }

 private:
  std::unique_ptr<InterfaceMonitor> monitor_;
};

}  // namespace

Result<AgentDeps> SystemDeps() {
  auto monitor = InterfaceMonitor::Open();
  if (!monitor) return monitor.error();
  AgentDeps deps;
  deps.dataplane = nft::MakeNftDataplane();
  deps.threat_kernel = threats::MakeNetlinkThreatKernel();
  deps.network = std::make_unique<RtnetlinkSource>(std::move(*monitor));
  deps.prober = RunTrustProbe;
  deps.lookup = ResolveName;
  deps.packet_logs = [](uint16_t group,
                        PacketHandler handler) -> Result<std::unique_ptr<PacketLog>> {
    auto source = NflogSource::Open(group, std::move(handler));
    if (!source) return source.error();
    return std::unique_ptr<PacketLog>(std::move(*source));
  };
  deps.kernel = true;
  return deps;
}

}  // namespace netwarden::agent
