// The agent's inputs: network changes, trust probes, name resolution, routes, portal window.
#include <algorithm>
#include <thread>

#include "agent/agent.h"
#include "agent/name_resolver.h"
#include "agent/resolv_conf.h"
#include "agent/trust_probe.h"

namespace netwarden::agent {

using namespace std::chrono_literals;

namespace {

std::string AddressKey(const InterfaceState& interface) {
  std::vector<std::string> parts;
  for (const auto& address : interface.addresses) {
    parts.push_back(address.address.ToString() + "/" + std::to_string(address.prefix_len));
  }
  std::sort(parts.begin(), parts.end());
  std::string key;
  for (const auto& part : parts) key += part + " ";
  return key;
}

}  // namespace

void Agent::OnNetworkNotification() {
  if (!monitor_->DrainNotifications()) return;
  // While a network is trusted, any change may mean the laptop has left it: act at once, so that
  // trust is withdrawn before a new network's traffic can use it. Otherwise bursts of
  // notifications (links, addresses, routes) are folded into one snapshot shortly after.
  if (!verified_.empty() || !effective_.trusted_interfaces.empty()) {
    TakeSnapshot();
  } else {
    loop_->Rearm(debounce_timer_, 50ms);
  }
}

void Agent::TakeSnapshot() {
  auto snapshot = monitor_->Snapshot();
  if (!snapshot) {
    events_->Emit("error", {{"message", snapshot.error().ToString()}});
    loop_->Rearm(debounce_timer_, 1s);
    return;
  }
  snapshot_ = std::move(*snapshot);
  bool addresses_changed = false;
  std::map<std::string, std::string> current;
  for (const auto& interface : snapshot_.interfaces) {
    current[interface.name] = AddressKey(interface);
  }
  for (const auto& [name, key] : current) {
    auto previous = interface_addresses_.find(name);
    if (previous == interface_addresses_.end() || previous->second != key) {
      // New or re-addressed: whatever was verified there no longer holds (fail closed).
      ++interface_epoch_[name];
      verified_.erase(name);
      addresses_changed = true;
    }
  }
  for (const auto& [name, key] : interface_addresses_) {
    if (!current.count(name)) {
      ++interface_epoch_[name];
      verified_.erase(name);
      addresses_changed = true;
    }
  }
  interface_addresses_ = std::move(current);
  Recompute(addresses_changed ? "addresses changed" : "network changed");
  CheckRoutes();
  // Re-probe on every address or route change: a route can decide whether the probe server is
  // reachable at all. Probes already in flight for an interface are not duplicated.
  probe_backoff_ = 1s;
  StartProbes();
}

void Agent::StartProbes() {
  for (const auto& network : policy_.trusted_networks) {
    if (!network.https_probe) continue;
    const HttpsProbe probe = *network.https_probe;
    std::vector<IpAddress> targets;
    if (auto literal = IpAddress::Parse(probe.host)) {
      targets.push_back(*literal);
    } else if (auto found = names_.find(probe.host); found != names_.end()) {
      targets = found->second.addresses;
    }
    if (targets.empty()) continue;
    for (const auto& interface : snapshot_.interfaces) {
      if (interface.addresses.empty() || effective_.IsTunnel(interface.name)) continue;
      const std::string key = interface.name + "|" + network.name;
      if (!probes_in_flight_.insert(key).second) continue;
      const uint64_t epoch = interface_epoch_[interface.name];
      ProbeTarget target{targets.front(), probe.port,
                         IpAddress::Parse(probe.host) ? "" : probe.host, probe.sha256};
      std::thread([this, target, interface = interface.name, name = network.name, epoch] {
        const ProbeOutcome outcome = RunTrustProbe(target, interface, options_.probe_timeout);
        loop_->Post([this, interface, name, epoch, outcome] {
          OnProbeResult(interface, name, epoch, outcome.trusted, outcome.detail);
        });
      }).detach();
    }
  }
}

void Agent::OnProbeResult(const std::string& interface, const std::string& network,
                          uint64_t epoch, bool trusted, const std::string& detail) {
  probes_in_flight_.erase(interface + "|" + network);
  ++counters_[trusted ? "probes_trusted" : "probes_untrusted"];
  if (interface_epoch_[interface] != epoch) {
    StartProbes();  // the interface changed meanwhile: this answer is about the old network
    return;
  }
  if (!trusted) {
    // The network may still be coming up (address before route, DHCP): try again soon, then
    // less often, until the periodic re-probe takes over.
    loop_->Rearm(probe_retry_timer_, probe_backoff_);
    probe_backoff_ = std::min<std::chrono::milliseconds>(probe_backoff_ * 2, 30s);
  }
  const auto found = verified_.find(interface);
  const bool was_trusted = found != verified_.end() && found->second == network;
  if (trusted == was_trusted) {
    // Still untrusted: say why once for this interface state (e.g. an impostor certificate).
    const std::string key = interface + "|" + network + "|" + std::to_string(epoch);
    if (!trusted && reported_probe_failures_.insert(key).second) {
      events_->Emit("probe", {{"interface", interface}, {"network", network}, {"trusted", false},
                              {"detail", detail}});
    }
    return;
  }
  if (trusted) {
    verified_[interface] = network;
  } else {
    verified_.erase(interface);
  }
  events_->Emit("probe", {{"interface", interface}, {"network", network}, {"trusted", trusted},
                          {"detail", detail}});
  Recompute(std::string(trusted ? "trusted network verified: " : "trust lost: ") + network);
}

void Agent::StartDueResolutions() {
  const auto now = Clock::now();
  auto next = now + 1h;
  for (const auto& name : policy_.Hostnames()) {
    CachedName& cached = names_[name];
    if (cached.in_flight) continue;
    if (cached.refresh_at > now) {
      next = std::min(next, cached.refresh_at);
      continue;
    }
    cached.in_flight = true;
    std::thread([this, name, servers = ReadNameservers(options_.resolv_conf)] {
      auto resolution = ResolveName(name, servers, 4s);
      loop_->Post([this, name, resolution] {
        if (resolution) {
          OnResolved(name, resolution->addresses, resolution->ttl, "");
        } else {
          OnResolved(name, {}, 0s, resolution.error().message);
        }
      });
    }).detach();
  }
  loop_->Rearm(resolve_timer_, std::chrono::duration_cast<std::chrono::milliseconds>(next - now));
}

void Agent::OnResolved(const std::string& name, std::vector<IpAddress> addresses,
                       std::chrono::seconds ttl, std::string error) {
  auto found = names_.find(name);
  if (found == names_.end()) return;  // dropped by a reload
  CachedName& cached = found->second;
  cached.in_flight = false;
  if (!error.empty()) {
    // Keep the old addresses: a failed lookup must not cut the tunnel's way to its gateway.
    ++counters_["resolve_failures"];
    if (cached.last_error != error) events_->Emit("resolve", {{"name", name}, {"error", error}});
    cached.last_error = error;
    cached.refresh_at = Clock::now() + 10s;
  } else {
    cached.last_error.clear();
    cached.refresh_at = Clock::now() + std::clamp<std::chrono::seconds>(ttl, 30s, 1h);
    std::sort(addresses.begin(), addresses.end());
    if (addresses != cached.addresses) {
      cached.addresses = addresses;
      nlohmann::json list = nlohmann::json::array();
      for (const auto& address : addresses) list.push_back(address.ToString());
      events_->Emit("resolve", {{"name", name}, {"addresses", list}, {"ttl", ttl.count()}});
      Recompute("addresses of " + name + " changed");
      StartProbes();
    }
  }
  StartDueResolutions();
}

// TunnelVision (DHCP option 121) and LocalNet leave traces in the routing table: public
// destinations routed over a physical interface. The firewall already keeps them from leaking;
// the event tells the administrator that this network is hostile.
void Agent::CheckRoutes() {
  std::vector<std::string> warnings;
  for (const auto& route : snapshot_.routes) {
    if (route.destination.prefix_len() == 0 || IsPrivate(route.destination)) continue;
    if (effective_.IsTunnel(route.interface)) continue;
    // IPv6 hosts normally sit on a public on-link /64 (SLAAC): not a sign of anything.
    if (!route.destination.base().is_v4() &&
        (route.destination.base().bytes()[0] == 0xff ||
         (route.connected && route.destination.prefix_len() >= 64))) {
      continue;
    }
    const bool gateway_host_route =
        route.destination.is_host() &&
        std::any_of(effective_.gateways.begin(), effective_.gateways.end(),
                    [&](const GatewayEndpoint& g) { return g.address == route.destination.base(); });
    if (gateway_host_route || effective_.trusted_interfaces.count(route.interface)) continue;
    // Local breakout destinations are meant to leave outside the tunnel.
    const bool breakout = std::any_of(
        effective_.breakout.begin(), effective_.breakout.end(),
        [&](const LabeledNetwork& allowed) { return allowed.network.Contains(route.destination); });
    if (breakout) continue;
    warnings.push_back(route.destination.ToString() + " dev " + route.interface +
                       (route.connected ? " (on-link)" : ""));
  }
  std::sort(warnings.begin(), warnings.end());
  if (warnings != route_warnings_) {
    route_warnings_ = warnings;
    if (!warnings.empty()) {
      events_->Emit("route-overlap",
                    {{"routes", warnings},
                     {"tunnel_up", !effective_.tunnel_interfaces.empty()},
                     {"note", "public destinations routed outside the tunnel (TunnelVision / "
                              "LocalNet?); they stay blocked by the firewall"}});
    }
  }
}

void Agent::OpenPortal(std::chrono::seconds length) {
  portal_until_ = Clock::now() + length;
  loop_->Rearm(portal_timer_, length);
  events_->Emit("portal", {{"window", "open"}, {"seconds", length.count()}});
  Recompute("captive-portal window opened");
}

}  // namespace netwarden::agent
