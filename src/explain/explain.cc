#include "explain/explain.h"

#include <algorithm>

#include "appfw/evaluate.h"
#include "decision/decide.h"
#include "policy/apps_precedence.h"

namespace netwarden::explain {
namespace {

PlaneVerdict NotEnforced(Plane plane, std::string reason) {
  PlaneVerdict verdict;
  verdict.plane = plane;
  verdict.reason = std::move(reason);
  return verdict;
}

// The threat table: the first feed in policy order whose list covers the destination.
PlaneVerdict JudgeFeeds(const Inputs& inputs, std::optional<threats::ThreatVerdict>& threat) {
  if (!inputs.threats || inputs.threats->feeds.empty()) {
    return NotEnforced(Plane::kThreatFeeds, "the policy has no 'threat_feeds'");
  }
  PlaneVerdict verdict;
  verdict.plane = Plane::kThreatFeeds;
  verdict.enforced = true;
  threat = threats::DecidingFeed(*inputs.threats, inputs.feed_matches);
  if (!threat) {
    verdict.verdict = "pass";
    verdict.reason = "no feed lists " + inputs.flow.destination.ToString();
    return verdict;
  }
  verdict.rule = threats::ThreatRuleId(threat->feed);
  verdict.reason = "listed by threat feed '" + threat->feed + "' as " + threat->entry.ToString() +
                   (threat->enforced ? "" : " (last good copy, not loaded)");
  switch (threat->action) {
    case ThreatAction::kBlock:
      verdict.verdict = "reject";
      verdict.blocks = true;
      verdict.reason += "; the threat table rejects it before the forced-VPN rules";
      break;
    case ThreatAction::kInspect:
      verdict.verdict = "inspect";
      verdict.reason +=
          "; routed into the inspection interface " + inputs.threats->inspection_interface;
      break;
    case ThreatAction::kLog:
      verdict.verdict = "log";
      verdict.reason += "; logged, not blocked (action: log)";
      break;
  }
  return verdict;
}

PlaneVerdict JudgeVpn(const Inputs& inputs, const Flow& flow) {
  if (!inputs.vpn) return NotEnforced(Plane::kVpn, "the policy has no 'vpn' section");
  const Decision decision = DecideOutbound(*inputs.vpn, flow);
  PlaneVerdict verdict;
  verdict.plane = Plane::kVpn;
  verdict.enforced = true;
  verdict.verdict = VerdictName(decision.verdict);
  verdict.rule = decision.rule;
  verdict.reason = decision.reason;
  verdict.where = decision.where;
  verdict.blocks = decision.verdict == Verdict::kReject;
  verdict.would_block = decision.verdict == Verdict::kWouldReject;
  return verdict;
}

// ::ffff:a.b.c.d is judged as a.b.c.d, as the kernel programs do.
IpAddress Unmapped(const IpAddress& address) {
  if (address.is_v4()) return address;
  const auto& b = address.bytes();
  for (int i = 0; i < 10; ++i) {
    if (b[i] != 0) return address;
  }
  if (b[10] != 0xff || b[11] != 0xff) return address;
  return IpAddress::V4((uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) |
                       b[15]);
}

std::string AppsReason(const appfw::CompiledTables& tables, const appfw::TableVerdict& verdict,
                       uint32_t app_id) {
  if (const appfw::RuleInfo* rule = tables.Rule(verdict.rule_id)) {
    if (rule->name.rfind("gateway-program:", 0) == 0) {
      return "only " + rule->program + " may use this gateway exception";
    }
    return "apps rule '" + rule->name + "' (" + AppActionName(rule->action) + ") for " +
           rule->program;
  }
  if (app_id == 0) return "no apps rule names this program: apps.default";
  return "no apps rule of this program matches: apps.default";
}

PlaneVerdict JudgeApps(const Inputs& inputs) {
  if (!inputs.apps) return NotEnforced(Plane::kApps, "the policy has no 'apps' section");
  PlaneVerdict verdict;
  verdict.plane = Plane::kApps;
  verdict.enforced = true;
  const Flow& flow = inputs.flow;
  if (flow.protocol == FlowProtocol::kIcmp) {
    verdict.verdict = "allow";
    verdict.reason = "the per-program firewall judges TCP and UDP only";
    return verdict;
  }
  if (inputs.program.empty()) {
    verdict.verdict = "unknown";
    verdict.reason = "depends on the program (explain --program PATH)";
    return verdict;
  }
  const appfw::CompiledTables& tables = *inputs.apps;
  appfw::AppQuery query;
  query.app_id = tables.AppId(inputs.program);
  query.uid = flow.uid;
  query.hook = appfw::AppHook::kConnect;
  query.ip_protocol = flow.protocol == FlowProtocol::kTcp ? kIpProtoTcp : kIpProtoUdp;
  query.remote = Unmapped(flow.destination);
  query.port = flow.port;
  const appfw::TableVerdict result = appfw::Evaluate(tables, query);
  verdict.rule = tables.RuleName(result.rule_id);
  verdict.reason = AppsReason(tables, result, query.app_id);
  if (const appfw::RuleInfo* rule = tables.Rule(result.rule_id)) verdict.where = rule->where;
  if (result.action == AppAction::kAllow) {
    verdict.verdict = "allow";
  } else if (inputs.apps_report) {
    verdict.verdict = "would-deny";
    verdict.would_block = true;
    verdict.reason += " (report mode: logged, not blocked)";
  } else {
    verdict.verdict = "deny";
    verdict.blocks = true;
  }
  return verdict;
}

const char* PlaneTitle(Plane plane) {
  switch (plane) {
    case Plane::kThreatFeeds:
      return "threat feeds";
    case Plane::kVpn:
      return "forced VPN";
    case Plane::kApps:
      return "per-program firewall";
  }
  return "?";
}

void Decide(Answer& answer) {
  // Kernel order (see ExplainFlow's comment), then the most specific plane for an allow.
  const Plane kernel_order[] = {Plane::kApps, Plane::kThreatFeeds, Plane::kVpn};
  const PlaneVerdict* deciding = nullptr;
  for (Plane plane : kernel_order) {
    if (!deciding && answer.Of(plane).blocks) deciding = &answer.Of(plane);
  }
  for (Plane plane : kernel_order) {
    if (!deciding && answer.Of(plane).would_block) deciding = &answer.Of(plane);
  }
  const Plane allow_order[] = {Plane::kVpn, Plane::kApps, Plane::kThreatFeeds};
  for (Plane plane : allow_order) {
    const PlaneVerdict& candidate = answer.Of(plane);
    if (!deciding && candidate.enforced && candidate.verdict != "unknown") deciding = &candidate;
  }
  if (!deciding) {
    answer.verdict = "allow";
    answer.reason = "no plane is enforced";
    return;
  }
  answer.deciding = deciding->plane;
  answer.verdict = deciding->blocks || deciding->would_block ? deciding->verdict : "allow";
  answer.rule = deciding->rule;
  answer.reason = deciding->reason;
  answer.where = deciding->where;
}

}  // namespace

const char* PlaneName(Plane plane) {
  switch (plane) {
    case Plane::kThreatFeeds:
      return "threat_feeds";
    case Plane::kVpn:
      return "vpn";
    case Plane::kApps:
      return "apps";
  }
  return "?";
}

std::string LocationText(const std::optional<SourceLocation>& where) {
  if (!where) return "";
  return where->file + ":" + std::to_string(where->line) + ":" + std::to_string(where->column);
}

bool AppsPlaneInUse(const Policy& policy) {
  return policy.apps.present ||
         std::any_of(policy.gateways.begin(), policy.gateways.end(),
                     [](const Gateway& gateway) { return !gateway.program.empty(); });
}

const PlaneVerdict& Answer::Of(Plane plane) const { return planes.at(static_cast<size_t>(plane)); }

Answer ExplainFlow(const Inputs& inputs) {
  Answer answer;
  answer.program = inputs.program;
  answer.flow = inputs.flow;
  PlaneVerdict feeds = JudgeFeeds(inputs, answer.threat);
  if (answer.threat && answer.threat->action == ThreatAction::kInspect) {
    // Policy routing sends the marked flow into the inspection interface: the forced VPN judges
    // it there.
    answer.flow.output_interface = inputs.threats->inspection_interface;
    answer.flow.mark = kInspectMark;
  }
  answer.planes.push_back(std::move(feeds));
  answer.planes.push_back(JudgeVpn(inputs, answer.flow));
  answer.planes.push_back(JudgeApps(inputs));
  Decide(answer);
  return answer;
}

nlohmann::json Answer::ToJson() const {
  nlohmann::json out = {{"verdict", verdict},
                        {"plane", deciding ? PlaneName(*deciding) : ""},
                        {"rule", rule},
                        {"reason", reason},
                        {"protocol", FlowProtocolName(flow.protocol)},
                        {"destination", flow.destination.ToString()},
                        {"port", flow.port},
                        {"output_interface", flow.output_interface},
                        {"uid", flow.uid}};
  if (where) out["policy_location"] = LocationText(where);
  if (!program.empty()) out["program"] = program;
  if (threat) out["threat"] = threats::ThreatVerdictJson(*threat);
  nlohmann::json by_plane = nlohmann::json::object();
  for (const PlaneVerdict& plane : planes) {
    nlohmann::json entry = {{"enforced", plane.enforced},
                            {"verdict", plane.verdict},
                            {"rule", plane.rule},
                            {"reason", plane.reason}};
    if (plane.where) entry["policy_location"] = LocationText(plane.where);
    by_plane[PlaneName(plane.plane)] = std::move(entry);
  }
  out["planes"] = std::move(by_plane);
  return out;
}

namespace {

// A string member, or "" (the JSON may come from another process: never throw on its shape).
std::string Member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

}  // namespace

std::string PlaneLine(const nlohmann::json& plane) {
  const std::string rule = Member(plane, "rule");
  const std::string verdict = Member(plane, "verdict");
  std::string text = (verdict.empty() ? "?" : verdict) + (rule.empty() ? "" : " " + rule) + ": " +
                     Member(plane, "reason");
  const std::string where = Member(plane, "policy_location");
  if (!where.empty()) text += " (" + where + ")";
  return text;
}

std::string TextFromJson(const nlohmann::json& answer) {
  std::string text = PlaneLine(answer);
  const std::string deciding = Member(answer, "plane");
  for (Plane plane : {Plane::kThreatFeeds, Plane::kVpn, Plane::kApps}) {
    if (deciding == PlaneName(plane))
      text += std::string(" [decided by the ") + PlaneTitle(plane) + "]";
  }
  text += "\n";
  if (!answer.is_object()) return text;
  const auto planes = answer.find("planes");
  if (planes == answer.end() || !planes->is_object()) return text;
  for (Plane plane : {Plane::kThreatFeeds, Plane::kVpn, Plane::kApps}) {
    const auto entry = planes->find(PlaneName(plane));
    if (entry == planes->end() || !entry->is_object()) continue;
    text += std::string("  ") + PlaneName(plane) + ": " + PlaneLine(*entry) + "\n";
  }
  return text;
}

std::string Answer::ToText() const { return TextFromJson(ToJson()); }

}  // namespace netwarden::explain
