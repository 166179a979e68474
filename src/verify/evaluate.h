#pragma once
// Symbolic evaluation of the model: which packets of a region the base chains of a path of
// hooks (e.g. output then postrouting) let through, and which rule decided each part. nftables'
// semantics: rules in order, first verdict wins; jump returns when the called chain ends, goto
// does not; `accept` ends one base chain only (the next base chain on the path still judges the
// packet), `drop`/`reject` end everything; an unmatched packet gets the base chain's policy.

#include <string>
#include <vector>

#include "core/result.h"
#include "verify/nft_model.h"

namespace netwarden::verify {

struct Piece {
  Cube cube;
  const ModelRule* rule = nullptr;    // the rule that decided; nullptr: a base chain's policy
  const ModelChain* chain = nullptr;  // the base chain whose rule or policy decided
};

struct PathResult {
  std::vector<Piece> accepted;  // let through by every base chain on the path
  std::vector<Piece> dropped;   // dropped or rejected somewhere
};

// `hooks` in the order a packet meets them; base chains of one hook in priority order.
Result<PathResult> EvaluatePath(const Model& model, const std::vector<std::string>& hooks,
                                IpFamily family, const Region& input);

Region RegionOf(const std::vector<Piece>& pieces);

}  // namespace netwarden::verify
