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

// What trust on an interface is bound to: the kernel's interface (its index: one re-created
// under the same name is another), its carrier (a drop is a possible roam, e.g. to an evil twin
// with the same addresses) and its addresses. Any change ends trust until a probe says again.
std::string AddressKey(const InterfaceState& interface) {
  std::vector<std::string> parts;
  for (const auto& address : interface.addresses) {
    parts.push_back(address.address.ToString() + "/" + std::to_string(address.prefix_len));
  }
  std::sort(parts.begin(), parts.end());
  std::string key = "#" + std::to_string(interface.index) + (interface.carrier ? "+" : "-") + " ";
  for (const auto& part : parts) key += part + " ";
  return key;
}

}  // namespace

void Agent::OnNetworkNotification() {
  if (!deps_.network->DrainNotifications()) return;
  // While a network is trusted, any change may mean the laptop has left it: act at once, so that
  // trust is withdrawn before a new network's traffic can use it. Otherwise changes are acted on
  // at once too, as long as they come at a sane rate (a small token bucket: a snapshot costs a
  // netlink dump and a compile, and an apply only when the ruleset changed); in a storm of
  // notifications the rest is folded into one snapshot after the debounce.
  const bool trusted = !verified_.empty() || !effective_.trusted_interfaces.empty();
  if (options_.trailing_debounce && !trusted) {
    loop_->Rearm(debounce_timer_, options_.debounce);  // the old behaviour (benchmark baseline)
    return;
  }
  if (trusted || (!debounce_pending_ && TakeSnapshotToken())) {
    TakeSnapshot();
    return;
  }
  if (!debounce_pending_) {
    debounce_pending_ = true;
    loop_->Rearm(debounce_timer_, options_.debounce);
  }
}

bool Agent::TakeSnapshotToken() {
  constexpr double kPerSecond = 50;
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - tokens_refilled_at_).count();
  tokens_refilled_at_ = now;
  snapshot_tokens_ = std::min(kSnapshotBurst, snapshot_tokens_ + elapsed * kPerSecond);
  if (snapshot_tokens_ < 1) return false;
  snapshot_tokens_ -= 1;
  return true;
}

void Agent::TakeSnapshot() {
  auto snapshot = deps_.network->Snapshot();
  if (!snapshot) {
    // Not knowing the network is no reason to keep trusting it.
    if (!verified_.empty()) {
      verified_.clear();
      RequestReconcile("network unreadable: trust withdrawn");
    }
    events_->Emit("error", {{"message", snapshot.error().ToString()}});
    debounce_pending_ = true;
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
  probe_paths_.clear();
  for (const auto& interface : snapshot_.interfaces) {
    std::string path = AddressKey(interface);
    for (const auto& route : snapshot_.routes) {
      if (route.interface == interface.name) path += route.destination.ToString() + " ";
    }
    probe_paths_[interface.name] = path;
  }
  snapshot_changed_ = true;
  RequestReconcile(addresses_changed ? "addresses changed" : "network changed");
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
      // One probe per interface, network and path: a probe started before the interface's
      // routes were in place (the first notification of a roam is acted on at once) does not
      // hold up the probe of the complete network.
      const std::string key =
          interface.name + "|" + network.name + "|" + probe_paths_[interface.name];
      if (!probes_in_flight_.insert(key).second) continue;
      const uint64_t epoch = interface_epoch_[interface.name];
      ProbeTarget target{targets.front(), probe.port,
                         IpAddress::Parse(probe.host) ? "" : probe.host, probe.sha256};
      std::thread([this, target, key, interface = interface.name, name = network.name, epoch] {
        const ProbeOutcome outcome = deps_.prober(target, interface, options_.probe_timeout);
        loop_->Post([this, key, interface, name, epoch, outcome] {
          probes_in_flight_.erase(key);
          const bool stale_path = key != interface + "|" + name + "|" + probe_paths_[interface];
          if (stale_path && !outcome.trusted) {
            StartProbes();  // a failure on the old path says nothing about the new one
            return;
          }
          OnProbeResult(interface, name, epoch, outcome.trusted, outcome.detail);
        });
      }).detach();
    }
  }
}

void Agent::OnProbeResult(const std::string& interface, const std::string& network, uint64_t epoch,
                          bool trusted, const std::string& detail) {
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
  if (trusted) {
    // Trust lasts one probe interval (plus the probe's own time) past the last good probe: a
    // probe that never finishes, or a network that stops answering, cannot keep it.
    verified_at_[interface] = Clock::now();
    loop_->Rearm(trust_expiry_timer_, TrustLifetime() + 100ms);
    if (was_trusted) {
      // Renew the kernel's copy: the trusted-interface element's timeout starts again.
      vpn_->Renew();
      RequestReconcile("trust renewed: " + network);
    }
  }
  if (trusted == was_trusted) {
    // Still untrusted: say why once for this interface state (e.g. an impostor certificate).
    const std::string key = interface + "|" + network + "|" + std::to_string(epoch);
    if (!trusted && reported_probe_failures_.insert(key).second) {
      events_->Emit(
          "probe",
          {{"interface", interface}, {"network", network}, {"trusted", false}, {"detail", detail}});
    }
    return;
  }
  if (trusted) {
    verified_[interface] = network;
  } else {
    verified_.erase(interface);
    verified_at_.erase(interface);
  }
  events_->Emit(
      "probe",
      {{"interface", interface}, {"network", network}, {"trusted", trusted}, {"detail", detail}});
  RequestReconcile(std::string(trusted ? "trusted network verified: " : "trust lost: ") + network);
}

std::chrono::milliseconds Agent::TrustLifetime() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(options_.probe_interval) +
         options_.probe_timeout;
}

void Agent::ExpireTrust() {
  const auto now = Clock::now();
  auto next = now + TrustLifetime();
  for (auto it = verified_.begin(); it != verified_.end();) {
    const auto at = verified_at_.find(it->first);
    const auto expires = (at == verified_at_.end() ? now : at->second) + TrustLifetime();
    if (expires > now) {
      next = std::min(next, expires);
      ++it;
      continue;
    }
    events_->Emit("probe", {{"interface", it->first},
                            {"network", it->second},
                            {"trusted", false},
                            {"detail", "no successful probe within " +
                                           std::to_string(TrustLifetime().count()) + " ms"}});
    RequestReconcile("trust expired: " + it->second);
    verified_at_.erase(it->first);
    it = verified_.erase(it);
  }
  if (!verified_.empty()) {
    loop_->Rearm(trust_expiry_timer_,
                 std::chrono::duration_cast<std::chrono::milliseconds>(next - now) + 100ms);
  }
}

bool Agent::TunnelUp() const { return !effective_.tunnel_interfaces.empty(); }

// Breakout and captive-portal names open whatever they resolve to; gateway names only the VPN
// port (TunnelCrack ServerIP), and the tunnel itself needs them, so those are kept.
bool Agent::OpensByName(const std::string& name) const {
  const bool breakout = std::any_of(policy_.breakout.begin(), policy_.breakout.end(),
                                    [&](const Breakout& b) { return b.host == name; });
  const bool portal = std::any_of(policy_.captive_portal.begin(), policy_.captive_portal.end(),
                                  [&](const CaptivePortal& p) { return p.host == name; });
  return breakout || portal;
}

// The tunnel just came up: breakout and portal addresses learned from the network's resolver
// are dropped and asked again, now through the tunnel's resolver (TunnelVision for a
// destination the attacker picks).
void Agent::OnTunnelUp() {
  ++tunnel_epoch_;
  bool dropped = false;
  for (auto& [name, cached] : names_) {
    if (cached.via_tunnel || !OpensByName(name)) continue;
    if (!cached.addresses.empty()) dropped = true;
    cached.addresses.clear();
    cached.refresh_at = Clock::now();
  }
  if (dropped) RequestReconcile("off-tunnel answers dropped");
  StartDueResolutions();
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
    const uint64_t tunnel_epoch = TunnelUp() ? tunnel_epoch_ : 0;
    std::thread([this, name, servers = resolvers_, tunnel_epoch] {
      auto resolution = deps_.lookup(name, servers, 4s);
      loop_->Post([this, name, resolution, tunnel_epoch] {
        // Through the tunnel only if it was up, the same tunnel, from question to answer.
        const bool via_tunnel = tunnel_epoch != 0 && TunnelUp() && tunnel_epoch == tunnel_epoch_;
        if (resolution) {
          OnResolved(name, resolution->addresses, resolution->ttl, "", via_tunnel);
        } else {
          OnResolved(name, {}, 0s, resolution.error().message, via_tunnel);
        }
      });
    }).detach();
  }
  loop_->Rearm(resolve_timer_, std::chrono::duration_cast<std::chrono::milliseconds>(next - now));
}

void Agent::OnResolved(const std::string& name, std::vector<IpAddress> addresses,
                       std::chrono::seconds ttl, std::string error, bool via_tunnel) {
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
    // An answer from the network's own resolver (no tunnel yet) is the hostile network's word:
    // for breakout and portal names it is kept briefly and replaced by the tunnel's answer as
    // soon as the tunnel is up (OnTunnelUp).
    const bool untrusted_answer = !via_tunnel && OpensByName(name);
    cached.via_tunnel = via_tunnel;
    cached.refresh_at =
        Clock::now() + std::clamp<std::chrono::seconds>(ttl, 30s, untrusted_answer ? 5min : 1h);
    std::sort(addresses.begin(), addresses.end());
    if (addresses != cached.addresses) {
      cached.addresses = addresses;
      nlohmann::json list = nlohmann::json::array();
      for (const auto& address : addresses) list.push_back(address.ToString());
      events_->Emit("resolve", {{"name", name}, {"addresses", list}, {"ttl", ttl.count()}});
      RequestReconcile("addresses of " + name + " changed");
      snapshot_changed_ = true;  // probe targets and route checks may depend on the name
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
        std::any_of(
            effective_.gateways.begin(), effective_.gateways.end(),
            [&](const GatewayEndpoint& g) { return g.address == route.destination.base(); });
    if (gateway_host_route || effective_.trusted_interfaces.count(route.interface)) continue;
    // Local breakout ranges are meant to leave outside the tunnel. Not so a breakout by name: its
    // addresses come from DNS, and a route for them is how TunnelVision would pick the target.
    const bool breakout = std::any_of(
        effective_.breakout.begin(), effective_.breakout.end(), [&](const LabeledNetwork& allowed) {
          return !OpensByName(allowed.label) && allowed.network.Contains(route.destination);
        });
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
                     {"note",
                      "public destinations routed outside the tunnel (TunnelVision / "
                      "LocalNet?); they stay blocked by the firewall"}});
    }
  }
}

Result<std::chrono::seconds> Agent::OpenPortal(std::chrono::seconds length) {
  const auto now = Clock::now();
  const bool open = now < portal_until_;
  if (!open) {
    // A window is for logging in to a hotel's portal, not a way around the lockdown: a few an
    // hour, and re-arming an open one never makes it last longer than the longest window.
    while (!portal_opens_.empty() && now - portal_opens_.front() > 1h) portal_opens_.pop_front();
    if (portal_opens_.size() >= kMaxPortalWindowsPerHour) {
      return MakeError(ErrorCode::kInvalidArgument, "at most " +
                                                        std::to_string(kMaxPortalWindowsPerHour) +
                                                        " captive-portal windows an hour");
    }
    portal_opens_.push_back(now);
    portal_opened_at_ = now;
  }
  const auto latest = portal_opened_at_ + options_.max_portal_window;
  const auto until = std::min(now + length, latest);
  if (until <= now) {
    return MakeError(ErrorCode::kInvalidArgument, "this window has lasted its longest already");
  }
  portal_until_ = until;
  const auto granted = std::chrono::duration_cast<std::chrono::seconds>(until - now);
  loop_->Rearm(portal_timer_, std::chrono::duration_cast<std::chrono::milliseconds>(until - now));
  events_->Emit("portal", {{"window", "open"}, {"seconds", granted.count()}});
  RequestReconcile("captive-portal window opened");
  return granted;
}

}  // namespace netwarden::agent
