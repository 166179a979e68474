#pragma once
// One answer for (program, user, flow) across the three planes: what the threat feeds, the forced
// VPN and the per-program firewall each say, and which of them decides. The CLI (offline, from a
// policy and a situation) and the agent (live, from what it has applied) both print it.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "appfw/tables.h"
#include "decision/flow.h"
#include "policy/policy.h"
#include "situation/effective_policy.h"
#include "threats/explain.h"

namespace netwarden::explain {

// The planes by the names of their policy sections.
enum class Plane : uint8_t { kThreatFeeds, kVpn, kApps };
const char* PlaneName(Plane plane);  // "threat_feeds" | "vpn" | "apps"

// What one plane says about the flow.
//   threat_feeds: pass | log | inspect | reject
//   vpn:          allow | reject | would-reject (report mode)
//   apps:         allow | deny | would-deny (report mode) | unknown (no program given)
//   any plane:    not-enforced (the policy has no section for it)
struct PlaneVerdict {
  Plane plane = Plane::kVpn;
  bool enforced = false;
  std::string verdict = "not-enforced";
  std::string rule;    // a rule id of the plane ("default-block", "threat-feed:NAME", apps rule)
  std::string reason;  // a sentence for people
  std::optional<SourceLocation> where;
  bool blocks = false;       // the plane stops the flow
  bool would_block = false;  // report mode: it would stop it; it logs instead
};

struct Inputs {
  Flow flow;
  std::string program;  // absolute path of the executable; empty = not given
  // The forced VPN resolved against the situation; null when the policy has no `vpn:` section.
  const EffectivePolicy* vpn = nullptr;
  // The feeds; null (or no feeds) when the policy has no `threat_feeds:`. `feed_matches` are the
  // feed lists that cover flow.destination (threats::MatchLists).
  const ThreatPolicy* threats = nullptr;
  std::vector<threats::FeedMatch> feed_matches;
  // The per-program firewall's compiled tables (what the kernel's maps hold); null when the
  // policy has neither `apps:` nor a gateway limited to a `program:` (AppsPlaneInUse).
  const appfw::CompiledTables* apps = nullptr;
  bool apps_report = false;  // `apps: {mode: report}`: a deny is logged, not enforced
};

struct Answer {
  Flow
      flow;  // as the forced VPN judges it (an `inspect` feed moves it to the inspection interface)
  std::string program;
  std::string verdict;            // allow | reject | would-reject | deny | would-deny
  std::optional<Plane> deciding;  // none only when no plane is enforced
  std::string rule;
  std::string reason;
  std::optional<SourceLocation> where;
  std::vector<PlaneVerdict> planes;              // threat_feeds, vpn, apps
  std::optional<threats::ThreatVerdict> threat;  // the feed that lists the destination

  const PlaneVerdict& Of(Plane plane) const;
  // {verdict, plane, rule, reason, policy_location?, protocol, destination, port,
  //  output_interface, uid, program?, threat?, planes: {NAME: {enforced, verdict, rule, reason,
  //  policy_location?}}}
  nlohmann::json ToJson() const;
  // "VERDICT RULE: REASON (LOCATION) [decided by PLANE]" and one indented line per plane.
  std::string ToText() const;
};

// The order the kernel applies: the per-program firewall acts at connect()/sendmsg(), before a
// packet exists; then the threat table (output hook, priority filter - 10); then the forced VPN
// (priority filter). The first plane that blocks decides; with none blocking, the first that
// would block in report mode; otherwise the flow is allowed and the most specific enforced plane
// (forced VPN, else apps, else feeds) says why.
Answer ExplainFlow(const Inputs& inputs);

// Whether the per-program firewall has anything to enforce for this policy.
bool AppsPlaneInUse(const Policy& policy);

// The text forms, from the JSON form (so that the CLI prints the agent's answers the same way):
// "VERDICT RULE: REASON (LOCATION)" for one plane, and the whole answer as ToText() has it.
std::string PlaneLine(const nlohmann::json& plane);
std::string TextFromJson(const nlohmann::json& answer);

// "file:line:col", or "" without a location.
std::string LocationText(const std::optional<SourceLocation>& where);

}  // namespace netwarden::explain
