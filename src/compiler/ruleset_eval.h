#pragma once
// Evaluates a compiled Ruleset's output chain for one new outbound flow, the way the kernel
// would. Used to check the compiler against the reference decision function without a kernel,
// and by `explain --compiled` to answer from the same tables the kernel gets.

#include <string>

#include "compiler/ruleset.h"
#include "decision/flow.h"

namespace netwarden {

struct RulesetVerdict {
  Action action = Action::kDrop;  // the chain policy when nothing matched
  std::string rule;               // rule id, empty when the chain policy decided
  bool logged_only = false;       // report mode: the rule would block; logged and accepted
  bool Passes() const { return action == Action::kAccept || logged_only; }
};

RulesetVerdict EvaluateOutput(const Ruleset& ruleset, const Flow& flow);

}  // namespace netwarden
