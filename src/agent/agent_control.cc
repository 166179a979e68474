// The agent's answers on the control socket: status, explain, reload, portal.
#include "agent/agent.h"
#include "decision/decide.h"
#include "explain/explain.h"
#include "threats/explain.h"

namespace netwarden::agent {

std::string Agent::StateName() const {
  if (!effective_.trusted_interfaces.empty()) return "trusted";
  if (!effective_.tunnel_interfaces.empty()) return "tunnel";
  const bool any_address =
      std::any_of(snapshot_.interfaces.begin(), snapshot_.interfaces.end(),
                  [](const InterfaceState& i) { return !i.addresses.empty(); });
  return any_address ? "blocked" : "no-network";
}

// Each plane's mode: "enforce", "report" or "off" (not in the policy).
nlohmann::json Agent::Modes() const {
  const std::string vpn =
      !VpnEnforced() ? "off" : (policy_.vpn ? VpnModeName(policy_.vpn->mode) : "enforce");
  return {{"vpn", vpn},
          {"apps", policy_.apps.rules.empty() ? "off" : AppModeName(policy_.apps.mode)},
          {"threats", policy_.threats.feeds.empty() ? "off" : "enforce"}};
}

nlohmann::json Agent::Status() const {
  nlohmann::json status = {{"state", StateName()},
                           {"policy", options_.policy_path},
                           {"generation", generation_},
                           {"last_apply", last_apply_},
                           {"tunnels", effective_.tunnel_interfaces},
                           {"unresolved", effective_.unresolved_hosts},
                           {"route_warnings", route_warnings_}};
  if (!policy_error_.empty()) status["policy_error"] = policy_error_;
  nlohmann::json trusted = nlohmann::json::array();
  for (const auto& [interface, network] : effective_.trusted_interfaces) {
    trusted.push_back({{"interface", interface}, {"network", network}});
  }
  status["trusted"] = trusted;
  nlohmann::json interfaces = nlohmann::json::array();
  for (const auto& interface : snapshot_.interfaces) {
    nlohmann::json addresses = nlohmann::json::array();
    for (const auto& address : interface.addresses) {
      addresses.push_back(address.address.ToString() + "/" + std::to_string(address.prefix_len));
    }
    interfaces.push_back({{"name", interface.name}, {"addresses", addresses}});
  }
  status["interfaces"] = interfaces;
  nlohmann::json gateways = nlohmann::json::array();
  for (const auto& gateway : effective_.gateways) {
    gateways.push_back({{"gateway", gateway.label}, {"address", gateway.address.ToString()}});
  }
  status["gateways"] = gateways;
  nlohmann::json names = nlohmann::json::object();
  const auto now = Clock::now();
  for (const auto& [name, cached] : names_) {
    nlohmann::json addresses = nlohmann::json::array();
    for (const auto& address : cached.addresses) addresses.push_back(address.ToString());
    names[name] = {
        {"addresses", addresses},
        {"refresh_in_seconds",
         std::chrono::duration_cast<std::chrono::seconds>(cached.refresh_at - now).count()}};
    if (!cached.last_error.empty()) names[name]["last_error"] = cached.last_error;
  }
  status["resolved"] = names;
  const auto portal_left = std::chrono::duration_cast<std::chrono::seconds>(portal_until_ - now);
  status["portal_window"] = {{"open", portal_left.count() > 0},
                             {"remaining_seconds", std::max<long long>(portal_left.count(), 0)}};
  nlohmann::json counters = counters_;
  counters["events_emitted"] = events_->emitted();
  counters["events_suppressed"] = events_->suppressed();
  status["counters"] = counters;
  status["threats"] = FeedStatus();
  nlohmann::json planes = nlohmann::json::object();
  for (const Manager* manager : reconciler_.managers()) {
    planes[manager->name()] = {{"in_sync", !manager->dirty()},
                               {"failures", reconciler_.failures(manager->name())}};
  }
  planes["vpn"]["enforced"] = VpnEnforced();
  if (apps_) {
    planes["apps"].update(apps_->Status());
  } else {
    planes["apps"] = {{"enabled", false}, {"error", apps_error_}};
  }
  status["planes"] = planes;
  status["modes"] = Modes();
  status["verified"] =
      table_verified_.has_value() ? nlohmann::json(*table_verified_) : nlohmann::json(nullptr);
  if (!verify_error_.empty()) status["verify_error"] = verify_error_;
  return status;
}

// The live situation in the form `--situation FILE` takes (JSON is YAML), for `verify --control`.
nlohmann::json Agent::SituationJson() const {
  const Situation situation = BuildSituation();
  nlohmann::json out = {{"interfaces", nlohmann::json::array()},
                        {"verified_trusted", nlohmann::json::array()},
                        {"resolved", nlohmann::json::object()},
                        {"dns_resolvers", nlohmann::json::array()},
                        {"portal_window_open", situation.portal_window_open}};
  for (const auto& interface : situation.interfaces) {
    nlohmann::json addresses = nlohmann::json::array();
    for (const auto& address : interface.addresses) {
      addresses.push_back(address.address.ToString() + "/" + std::to_string(address.prefix_len));
    }
    nlohmann::json entry = {{"name", interface.name}, {"addresses", addresses}};
    if (interface.kind) entry["kind"] = *interface.kind;
    out["interfaces"].push_back(std::move(entry));
  }
  for (const auto& trust : situation.verified_trusted) {
    out["verified_trusted"].push_back({{"network", trust.network}, {"interface", trust.interface}});
  }
  for (const auto& [name, addresses] : situation.resolved) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& address : addresses) list.push_back(address.ToString());
    out["resolved"][name] = list;
  }
  for (const auto& resolver : situation.dns_resolvers) {
    out["dns_resolvers"].push_back(resolver.ToString());
  }
  return out;
}

nlohmann::json Agent::HandleControl(const nlohmann::json& request, const Peer& peer) {
  const std::string command = request.value("command", "");
  if (command == "status") return {{"ok", true}, {"status", Status()}};
  if (command == "situation") {
    return {{"ok", true},
            {"policy", options_.policy_path},
            {"situation", SituationJson()},
            {"generation", generation_}};
  }
  if (command == "explain") {
    auto protocol = ParseFlowProtocol(request.value("protocol", "tcp"));
    auto destination = IpAddress::Parse(request.value("destination", ""));
    if (!protocol || !destination) {
      return {{"ok", false},
              {"error", !protocol ? protocol.error().message : destination.error().message}};
    }
    Flow flow{*protocol,
              *destination,
              static_cast<uint16_t>(request.value("port", 0)),
              static_cast<uint16_t>(request.value("source_port", 0)),
              request.value("output_interface", ""),
              request.value("uid", 0u)};
    if (flow.output_interface.empty()) {
      flow.output_interface = DefaultOutputInterface(snapshot_.interfaces, effective_);
    }
    // One explain for the three planes, from the same state the kernel holds (explain.h).
    explain::Inputs inputs;
    inputs.flow = flow;
    inputs.program = request.value("program", "");
    if (VpnEnforced()) inputs.vpn = &effective_;
    inputs.threats = &policy_.threats;
    if (threats_) inputs.feed_matches = threats::MatchLists(threats_->enforced(), flow.destination);
    if (apps_ && explain::AppsPlaneInUse(policy_)) inputs.apps = &apps_->desired_tables();
    inputs.apps_report = policy_.apps.mode == AppMode::kReport;
    nlohmann::json answer = explain::ExplainFlow(inputs).ToJson();
    answer["ok"] = true;
    answer["generation"] = generation_;
    return answer;
  }
  if (command == "reload") {
    if (!peer.is_root()) return {{"ok", false}, {"error", "reload is for root only"}};
    Reload("control socket");
    if (!policy_error_.empty()) {
      return {{"ok", false}, {"error", policy_error_}, {"note", "the previous policy stays"}};
    }
    return {{"ok", true}, {"generation", generation_}};
  }
  if (command == "refresh-feeds") {
    if (!peer.is_root()) return {{"ok", false}, {"error", "refresh-feeds is for root only"}};
    return {{"ok", true}, {"ticket", RequestFeedRefresh()}};
  }
  if (command == "portal") {
    const long long seconds = request.value("seconds", 300LL);
    if (seconds <= 0 || seconds > options_.max_portal_window.count()) {
      return {{"ok", false},
              {"error", "the window must last 1.." +
                            std::to_string(options_.max_portal_window.count()) + " seconds"}};
    }
    events_->Emit("portal", {{"requested_by_uid", peer.uid}});
    auto granted = OpenPortal(std::chrono::seconds(seconds));
    if (!granted) return {{"ok", false}, {"error", granted.error().message}};
    return {{"ok", true}, {"seconds", granted->count()}};
  }
  return {{"ok", false}, {"error", "unknown command '" + command + "'"}};
}

}  // namespace netwarden::agent
