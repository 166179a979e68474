#include "verify/verify.h"

#include <fmt/format.h>

#include <algorithm>

#include "dataplane/nft/nft_runner.h"
#include "decision/decide.h"
#include "policy/threats_policy.h"
#include "verify/evaluate.h"
#include "verify/reference.h"
#include "verify/ruleset_listing.h"
#include "verify/witness.h"

namespace netwarden::verify {
namespace {

constexpr IpFamily kFamilies[] = {IpFamily::kV4, IpFamily::kV6};

std::vector<std::string> PreferredInterfaces(const VerifyOptions& options,
                                             const EffectivePolicy& effective) {
  std::vector<std::string> names = options.preferred_interfaces;
  for (const auto& name : effective.portal_window_interfaces) names.push_back(name);
  return names;
}

// The model's interface names plus the preferred ones: a name the model never mentions gets an
// id the model treats as "any other interface", which is what that interface is to it.
InterfaceNames Interned(const Model& model, const VerifyOptions& options) {
  InterfaceNames interfaces = model.interfaces;
  for (const auto& name : options.preferred_interfaces) interfaces.Id(name);
  return interfaces;
}

class Reporter {
 public:
  Reporter(VerifyReport& report, const VerifyOptions& options, const InterfaceNames& interfaces,
           std::vector<std::string> preferred)
      : report_(report),
        options_(options),
        interfaces_(interfaces),
        preferred_(std::move(preferred)) {}

  void Add(const Cube& cube, IpFamily family, const Piece& piece, bool accepted,
           const std::string& hook, const std::string& extra = "") {
    ++report_.classes;
    if (report_.counterexamples.size() >= options_.max_counterexamples) return;
    const Packet packet = PickPacket(cube, family, interfaces_, preferred_);
    std::string line =
        "counterexample: " + DescribePacket(packet, cube, interfaces_, hook != "output") + " " +
        DescribeRule(piece, accepted);
    if (hook != "output") line += " hook=" + hook;
    report_.counterexamples.push_back(line + extra);
  }

 private:
  VerifyReport& report_;
  const VerifyOptions& options_;
  const InterfaceNames& interfaces_;
  std::vector<std::string> preferred_;
};

void Finish(VerifyReport& report, const Model& model) {
  report.proved = report.classes == 0;
  report.notes = model.notes;
  if (report.classes > report.counterexamples.size()) {
    report.counterexamples.push_back(fmt::format("... and {} more packet classes",
                                                 report.classes - report.counterexamples.size()));
  }
  ClearSetCache();
}

Result<void> CheckHook(const Model& model, IpFamily family, const std::vector<std::string>& path,
                       const Region& allowed, Reporter& reporter, VerifyReport& report) {
  auto result = EvaluatePath(model, path, family, Region{FullCube(family)});
  if (!result) return result.error();
  report.pieces += result->accepted.size() + result->dropped.size();
  // Leaks grouped by the rule that lets them out, then merged: the pieces an earlier rule split
  // (e.g. by source port) are one class again.
  std::vector<std::pair<Piece, Region>> leaks;
  for (const auto& piece : result->accepted) {
    Region leak = Subtract(Region{piece.cube}, allowed);
    if (leak.empty()) continue;
    auto same = std::find_if(leaks.begin(), leaks.end(), [&](const auto& entry) {
      return entry.first.rule == piece.rule && entry.first.chain == piece.chain;
    });
    if (same == leaks.end()) {
      leaks.emplace_back(piece, std::move(leak));
    } else {
      same->second.insert(same->second.end(), leak.begin(), leak.end());
    }
  }
  for (const auto& [piece, region] : leaks) {
    for (const auto& cube : Compact(region)) reporter.Add(cube, family, piece, true, path.front());
  }
  return Ok();
}

// First-match evaluation of the reference rules over a region.
struct ReferencePiece {
  Cube cube;
  const ReferenceRule* rule;
};
std::vector<ReferencePiece> EvaluateReference(const std::vector<ReferenceRule>& rules,
                                              Region remaining) {
  std::vector<ReferencePiece> out;
  for (const auto& rule : rules) {
    if (remaining.empty()) break;
    for (auto& cube : Intersect(remaining, rule.match)) out.push_back({std::move(cube), &rule});
    remaining = Subtract(remaining, rule.match);
  }
  return out;
}

// A short list for people: cubes with the same destinations are shown as their hull (the
// product of each field's union), followed by the smaller classes inside the hull that are not
// part of the region ("except ...").
std::vector<std::string> DescribeRegion(const Region& region, IpFamily family,
                                        const InterfaceNames& interfaces) {
  std::vector<Region> groups;
  for (const auto& cube : Compact(region)) {
    auto same = std::find_if(groups.begin(), groups.end(),
                             [&](const Region& g) { return g.front()[kDaddr] == cube[kDaddr]; });
    if (same == groups.end()) {
      groups.push_back({cube});
    } else {
      same->push_back(cube);
    }
  }
  std::vector<std::string> lines;
  for (const auto& group : groups) {
    Cube hull = group.front();
    for (const auto& cube : group) {
      for (int f = 0; f < kFieldCount; ++f) hull.fields[f] = Union(hull.fields[f], cube.fields[f]);
    }
    std::string line = DescribeClass(hull, family, interfaces);
    const Region holes = Compact(Subtract(Region{hull}, group));
    for (size_t i = 0; i < holes.size() && i < 4; ++i) {
      line += (i == 0 ? " except " : "; ") + DescribeWithin(holes[i], hull, family, interfaces);
    }
    if (holes.size() > 4) line += fmt::format("; +{} more", holes.size() - 4);
    lines.push_back(std::move(line));
  }
  return lines;
}

Result<std::string> List(nft::NftRunner& runner, const std::string& command) {
  auto listing = runner.Run(command, /*json_output=*/true);
  if (!listing) {
    if (nft::IsNotFound(listing.error())) return std::string();
    return listing.error();
  }
  return *listing;
}

}  // namespace

Result<VerifyReport> CheckLeaks(const Model& model, const EffectivePolicy& effective,
                                const VerifyOptions& options) {
  VerifyReport report;
  InterfaceNames interfaces = Interned(model, options);
  Reporter reporter(report, options, interfaces, PreferredInterfaces(options, effective));
  for (IpFamily family : kFamilies) {
    const Region output = AllowedOutput(effective, family, interfaces);
    if (auto checked =
            CheckHook(model, family, {"output", "postrouting"}, output, reporter, report);
        !checked) {
      return checked.error();
    }
    const Region forward = AllowedForward(effective, family, interfaces);
    if (auto checked =
            CheckHook(model, family, {"forward", "postrouting"}, forward, reporter, report);
        !checked) {
      return checked.error();
    }
    auto input = EvaluatePath(model, {"input"}, family, Region{FullCube(family)});
    if (!input) return input.error();
    const Region forbidden = ForbiddenInput(effective, family, interfaces);
    for (const auto& piece : input->accepted) {
      for (const auto& cube : Intersect(Region{piece.cube}, forbidden)) {
        reporter.Add(cube, family, piece, true, "input");
      }
    }
  }
  Finish(report, model);
  return report;
}

Result<VerifyReport> CheckEquivalence(const Model& model, const EffectivePolicy& effective,
                                      const VerifyOptions& options) {
  VerifyReport report;
  InterfaceNames interfaces = Interned(model, options);
  Reporter reporter(report, options, interfaces, PreferredInterfaces(options, effective));
  const auto preferred = PreferredInterfaces(options, effective);
  for (IpFamily family : kFamilies) {
    const Region domain = DecisionDomain(family);
    auto kernel = EvaluatePath(model, {"output"}, family, domain);
    if (!kernel) return kernel.error();
    const auto rules = ReferenceRules(effective, family, interfaces);
    const auto reference = EvaluateReference(rules, domain);
    auto compare = [&](const std::vector<Piece>& pieces, bool kernel_accepts) {
      for (const auto& piece : pieces) {
        for (const auto& ref : reference) {
          auto both = Intersect(piece.cube, ref.cube);
          if (!both) continue;
          ++report.pieces;
          // The reference regions are decide.cc's checks re-expressed; decide.cc itself is asked
          // about a packet of every class, so a difference between the two cannot hide.
          const Packet packet = PickPacket(*both, family, interfaces, preferred);
          const Decision decision = DecideOutbound(effective, ToFlow(packet, interfaces));
          const bool reference_allows = decision.verdict == Verdict::kAllow;
          if (reference_allows != ref.rule->allow || decision.rule != ref.rule->rule_id) {
            report.notes.push_back("internal: the symbolic reference says " + ref.rule->rule_id +
                                   ", decide.cc says " + decision.rule + " for " +
                                   DescribePacket(packet, *both, interfaces, false));
          }
          // Same verdict for another reason still breaks `explain` and the events, which name
          // the rule: the kernel rule's comment is its rule id.
          const std::string kernel_rule = piece.rule ? piece.rule->comment : "";
          if (kernel_accepts != reference_allows || kernel_rule != decision.rule) {
            reporter.Add(
                *both, family, piece, kernel_accepts, "output",
                fmt::format(" kernel={} reference={} ({})", kernel_accepts ? "accept" : "drop",
                            reference_allows ? "allow" : "reject", decision.rule));
          }
        }
      }
    };
    compare(kernel->accepted, true);
    compare(kernel->dropped, false);
  }
  auto notes = std::move(report.notes);
  Finish(report, model);
  report.notes.insert(report.notes.end(), notes.begin(), notes.end());
  for (const auto& note : notes) {
    if (note.rfind("internal:", 0) == 0) report.proved = false;
  }
  return report;
}

Result<Model> ModelOfInstalled(bool with_inspection_guard) {
  auto runner = nft::MakeLibnftablesRunner();
  Model model;
  auto table = List(*runner, "list table inet netwarden");
  if (!table) return table.error();
  if (!table->empty()) {
    if (auto added = AddListing(model, *table); !added) return added.error();
  }
  if (!with_inspection_guard) return model;
  // Only the guard chain of the threat table: its filter chains can only drop more. Its rules
  // are read only when the chain exists (`list chains` is cheap), because nftables 1.0 loads
  // every set element of the table for `list chain` (seconds with a million-entry feed).
  auto chains = List(*runner, "list chains inet");
  if (!chains) return chains.error();
  if (chains->find("\"inspect_guard\"") == std::string::npos) return model;
  auto guard = List(*runner, "list chain inet netwarden_threats inspect_guard");
  if (!guard) return guard.error();
  if (!guard->empty()) {
    if (auto added = AddListing(model, *guard); !added) return added.error();
  }
  return model;
}

Result<Model> ModelOfRuleset(const Ruleset& ruleset, const EffectivePolicy& effective,
                             const InterfaceNames* seed) {
  Model model;
  if (seed) model.interfaces = *seed;
  if (auto added = AddListing(model, RulesetListing(ruleset)); !added) return added.error();
  if (!effective.inspection_interface.empty()) {
    if (auto added = AddListing(model, InspectionGuardListing(effective.inspection_interface));
        !added) {
      return added.error();
    }
  }
  return model;
}

Result<VerifyReport> VerifyInstalled(const EffectivePolicy& effective,
                                     const VerifyOptions& options) {
  auto model = ModelOfInstalled(!effective.inspection_interface.empty());
  if (!model) return model.error();
  return CheckLeaks(*model, effective, options);
}

Result<DiffReport> DiffRulesets(const Ruleset& old_ruleset, const EffectivePolicy& old_effective,
                                const Ruleset& new_ruleset, const EffectivePolicy& new_effective,
                                size_t max_lines) {
  auto old_model = ModelOfRuleset(old_ruleset, old_effective);
  if (!old_model) return old_model.error();
  // The new model numbers interfaces after the old one's: an id means the same name in both.
  auto new_model = ModelOfRuleset(new_ruleset, new_effective, &old_model->interfaces);
  if (!new_model) return new_model.error();
  DiffReport report;
  for (IpFamily family : kFamilies) {
    auto before =
        EvaluatePath(*old_model, {"output", "postrouting"}, family, Region{FullCube(family)});
    auto after =
        EvaluatePath(*new_model, {"output", "postrouting"}, family, Region{FullCube(family)});
    if (!before) return before.error();
    if (!after) return after.error();
    const Region a = Compact(RegionOf(before->accepted));
    const Region b = Compact(RegionOf(after->accepted));
    auto describe = [&](const Region& region, const char* what, std::vector<std::string>& out) {
      for (const auto& line : DescribeRegion(region, family, new_model->interfaces)) {
        if (out.size() == max_lines) {
          out.push_back("...");
          break;
        }
        out.push_back(line + ": " + what);
      }
    };
    describe(Subtract(b, a), "newly allowed", report.newly_allowed);
    describe(Subtract(a, b), "newly blocked", report.newly_blocked);
  }
  ClearSetCache();
  return report;
}

}  // namespace netwarden::verify
