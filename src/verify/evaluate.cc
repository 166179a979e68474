#include "verify/evaluate.h"

#include <algorithm>

namespace netwarden::verify {
namespace {

constexpr int kMaxDepth = 16;
constexpr const char* kForcedVpnTable = "netwarden";  // nftables itself refuses deeper jump chains

bool SeesFamily(const ModelChain& chain, IpFamily family) {
  if (chain.family == "ip") return family == IpFamily::kV4;
  if (chain.family == "ip6") return family == IpFamily::kV6;
  return chain.family == "inet";
}

struct ChainOutcome {
  std::vector<Piece> accepted;
  std::vector<Piece> dropped;
  Region returned;  // fell off the end or hit `return`: back to the caller
};

void Tag(std::vector<Piece>& out, Region region, const ModelRule* rule) {
  for (auto& cube : region) out.push_back({std::move(cube), rule, nullptr});
}

Result<ChainOutcome> EvaluateChain(const Model& model, const ModelChain& chain, IpFamily family,
                                   Region remaining, int depth) {
  if (depth > kMaxDepth) {
    return MakeError(ErrorCode::kUnsupported, "jumps nested deeper than nftables allows");
  }
  ChainOutcome outcome;
  for (const auto& rule : chain.rules) {
    if (remaining.empty()) break;
    if (rule.verdict == VerdictKind::kNone) continue;  // counters and logs only
    // A rule that may or may not match: assume the answer that lets more through (sound for the
    // leak property: a rate-limited accept accepts, a rate-limited drop drops nothing).
    if (rule.may_match && rule.verdict != VerdictKind::kAccept) continue;
    const Region& match = rule.For(family);
    Region matched = Intersect(remaining, match);
    if (matched.empty()) continue;
    Region rest = Subtract(remaining, match);
    switch (rule.verdict) {
      case VerdictKind::kAccept:
        Tag(outcome.accepted, std::move(matched), &rule);
        break;
      case VerdictKind::kDrop:
      case VerdictKind::kReject:
        Tag(outcome.dropped, std::move(matched), &rule);
        break;
      case VerdictKind::kReturn:
        outcome.returned.insert(outcome.returned.end(), matched.begin(), matched.end());
        break;
      case VerdictKind::kJump:
      case VerdictKind::kGoto: {
        const ModelChain* target = model.Find(chain.table, rule.target);
        if (!target) {
          return MakeError(ErrorCode::kInvalidArgument,
                           "rule handle " + std::to_string(rule.handle) +
                               " jumps to a missing chain " + rule.target);
        }
        auto called = EvaluateChain(model, *target, family, std::move(matched), depth + 1);
        if (!called) return called.error();
        // The block chains carry no comment: the jumping rule names the decision.
        for (auto& piece : called->accepted) {
          if (!piece.rule || piece.rule->comment.empty()) piece.rule = &rule;
          outcome.accepted.push_back(std::move(piece));
        }
        for (auto& piece : called->dropped) {
          if (!piece.rule || piece.rule->comment.empty()) piece.rule = &rule;
          outcome.dropped.push_back(std::move(piece));
        }
        Region& back = rule.verdict == VerdictKind::kJump ? rest : outcome.returned;
        back.insert(back.end(), called->returned.begin(), called->returned.end());
        break;
      }
      case VerdictKind::kNone:
        break;
    }
    remaining = std::move(rest);
  }
  outcome.returned.insert(outcome.returned.end(), remaining.begin(), remaining.end());
  return outcome;
}

// One base chain applied to the packets still in flight.
Result<PathResult> ApplyBaseChain(const Model& model, const ModelChain& chain, IpFamily family,
                                  std::vector<Piece> in_flight) {
  PathResult out;
  for (auto& piece : in_flight) {
    auto outcome = EvaluateChain(model, chain, family, Region{piece.cube}, 0);
    if (!outcome) return outcome.error();
    for (auto& dropped : outcome->dropped) {
      dropped.chain = &chain;
      out.dropped.push_back(std::move(dropped));
    }
    // Accepted here: the packet goes on, attributed to the forced-VPN table's rule that let it
    // through (other tables' chains only ever drop more).
    auto keep = [&](Region region, const ModelRule* rule, const ModelChain* decided_by) {
      for (auto& cube : region) out.accepted.push_back({std::move(cube), rule, decided_by});
    };
    const bool first = piece.chain == nullptr ||
                       (piece.chain->table != kForcedVpnTable && chain.table == kForcedVpnTable);
    for (auto& accepted : outcome->accepted) {
      keep({std::move(accepted.cube)}, first ? accepted.rule : piece.rule,
           first ? &chain : piece.chain);
    }
    if (chain.policy_accept) {
      keep(std::move(outcome->returned), first ? nullptr : piece.rule,
           first ? &chain : piece.chain);
    } else {
      for (auto& cube : outcome->returned)
        out.dropped.push_back({std::move(cube), nullptr, &chain});
    }
  }
  return out;
}

}  // namespace

Result<PathResult> EvaluatePath(const Model& model, const std::vector<std::string>& hooks,
                                IpFamily family, const Region& input) {
  std::vector<Piece> in_flight;
  for (const auto& cube : input) in_flight.push_back({cube, nullptr, nullptr});
  PathResult result;
  for (const auto& hook : hooks) {
    std::vector<const ModelChain*> base;
    for (const auto& chain : model.chains) {
      if (chain.hook == hook && chain.type != "nat" && SeesFamily(chain, family))
        base.push_back(&chain);
    }
    std::stable_sort(base.begin(), base.end(), [](const ModelChain* a, const ModelChain* b) {
      return a->priority < b->priority;
    });
    for (const ModelChain* chain : base) {
      auto applied = ApplyBaseChain(model, *chain, family, std::move(in_flight));
      if (!applied) return applied.error();
      in_flight = std::move(applied->accepted);
      for (auto& piece : applied->dropped) result.dropped.push_back(std::move(piece));
    }
  }
  result.accepted = std::move(in_flight);
  return result;
}

Region RegionOf(const std::vector<Piece>& pieces) {
  Region region;
  region.reserve(pieces.size());
  for (const auto& piece : pieces) region.push_back(piece.cube);
  return region;
}

}  // namespace netwarden::verify
