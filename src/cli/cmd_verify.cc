// `netwarden verify`: proves that the installed (or compiled) ruleset cannot leak, over every
// packet; exit 0 "proved", 1 with counterexample packets, 2 for a usage or read error.
#include <iostream>

#include "agent/control_socket.h"
#include "cli/agent_client.h"
#include "cli/command.h"
#include "cli/inputs.h"
#include "compiler/compiler.h"
#include "verify/states.h"
#include "verify/verify.h"

namespace netwarden::cli {
namespace {

struct VerifyCommandOptions {
  std::string policy;
  std::string situation;
  std::string control;
  std::vector<std::string> diff;  // OLD NEW
  bool equivalence = false;
  bool all_states = false;
  size_t max_counterexamples = 20;
};

verify::VerifyOptions OptionsFor(const VerifyCommandOptions& command, const Inputs& inputs) {
  verify::VerifyOptions options;
  options.max_counterexamples = command.max_counterexamples;
  for (const auto& interface : inputs.situation.interfaces) {
    if (!inputs.effective.IsTunnel(interface.name))
      options.preferred_interfaces.push_back(interface.name);
  }
  options.preferred_interfaces.push_back("eth0");
  return options;
}

// Tables holding what the model cannot follow are not proved (exit 1), not unreadable.
int Unprovable(const Error& error, const std::string& prefix = "") {
  std::cout << prefix << "not proved: " << error.ToString() << "\n";
  return kExitFailure;
}

// Prints the report; returns the exit code.
int Print(const Result<verify::VerifyReport>& report, const std::string& what,
          const std::string& prefix = "") {
  if (!report) {
    if (report.error().code == ErrorCode::kUnsupported) return Unprovable(report.error(), prefix);
    std::cerr << "verify: " << report.error().ToString() << "\n";
    return kExitBadInput;
  }
  for (const auto& note : report->notes) std::cerr << "note: " << note << "\n";
  if (report->proved) {
    std::cout << prefix << "proved: " << what
              << " (IPv4 and IPv6, every address, port, protocol, uid)\n";
    return kExitOk;
  }
  for (const auto& line : report->counterexamples) std::cout << prefix << line << "\n";
  std::cout << prefix << "not proved: " << report->classes
            << " packet classes break the property\n";
  return kExitFailure;
}

constexpr const char* kLeakProperty =
    "nothing leaves a non-tunnel interface except what the policy allows";

int VerifyKernel(const VerifyCommandOptions& command, const Inputs& inputs) {
  auto model = verify::ModelOfInstalled(!inputs.effective.inspection_interface.empty());
  if (!model && model.error().code == ErrorCode::kUnsupported) return Unprovable(model.error());
  if (!model) {
    std::cerr << "verify: cannot read the installed tables: " << model.error().ToString() << "\n";
    return kExitBadInput;
  }
  const auto options = OptionsFor(command, inputs);
  if (command.equivalence) {
    return Print(
        verify::CheckEquivalence(*model, inputs.effective, options),
        "the kernel's output chain and the reference decision function agree on every packet");
  }
  return Print(verify::CheckLeaks(*model, inputs.effective, options), kLeakProperty);
}

int VerifyAllStates(const VerifyCommandOptions& command, const Inputs& inputs) {
  int exit_code = kExitOk;
  for (const auto& state : verify::ReachableStates(inputs.policy, inputs.situation)) {
    Inputs in_state = inputs;
    in_state.situation = state.situation;
    in_state.effective = Resolve(inputs.policy, state.situation);
    auto model = verify::ModelOfRuleset(Compile(in_state.effective), in_state.effective);
    if (!model) {
      std::cerr << "verify: " << model.error().ToString() << "\n";
      return kExitBadInput;
    }
    const int code =
        Print(verify::CheckLeaks(*model, in_state.effective, OptionsFor(command, in_state)),
              kLeakProperty, "state " + state.name + ": ");
    if (code == kExitBadInput) return code;
    if (code != kExitOk) exit_code = code;
  }
  return exit_code;
}

int VerifyDiff(const VerifyCommandOptions& command) {
  auto before = LoadInputs(command.diff[0], command.situation, false);
  auto after = LoadInputs(command.diff[1], command.situation, false);
  if (!before || !after) return kExitBadInput;
  auto diff = verify::DiffRulesets(Compile(before->effective), before->effective,
                                   Compile(after->effective), after->effective);
  if (!diff) {
    std::cerr << "verify: " << diff.error().ToString() << "\n";
    return kExitBadInput;
  }
  if (diff->newly_allowed.empty() && diff->newly_blocked.empty()) {
    std::cout << "no change: both policies let out exactly the same packets\n";
  }
  for (const auto& line : diff->newly_allowed) std::cout << line << "\n";
  for (const auto& line : diff->newly_blocked) std::cout << line << "\n";
  return kExitOk;
}

// The running agent names its policy file and its live situation.
int VerifyByAgent(VerifyCommandOptions command) {
  auto response = AskAgent(command.control, {{"command", "situation"}});
  if (!response) return kExitBadInput;
  if (!response->contains("policy") || !(*response)["policy"].is_string() ||
      !response->contains("situation")) {
    std::cerr << "verify: the agent's answer has no 'policy' and 'situation'\n";
    return kExitBadInput;
  }
  const auto& situation_value = (*response)["situation"];
  // YAML or JSON text, or a JSON object (YAML reads JSON).
  const std::string situation_text =
      situation_value.is_string() ? situation_value.get<std::string>() : situation_value.dump();
  auto situation = ParseSituation(situation_text, "agent situation");
  if (!situation) {
    std::cerr << situation.error().ToString() << "\n";
    return kExitBadInput;
  }
  auto inputs = LoadInputs((*response)["policy"].get<std::string>(), "", false);
  if (!inputs) return kExitBadInput;
  inputs->situation = std::move(*situation);
  inputs->effective = Resolve(inputs->policy, inputs->situation);
  return VerifyKernel(command, *inputs);
}

}  // namespace

void RegisterVerifyCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "verify",
      "Prove over every packet that the installed rules cannot leak (or show packets that do)");
  auto options = std::make_shared<VerifyCommandOptions>();
  command->add_option("policy", options->policy, "Policy file (YAML)");
  command->add_option("--situation", options->situation,
                      "Observed situation (YAML); default: the same as apply's (no network)");
  command->add_flag("--equivalence", options->equivalence,
                    "Prove the kernel's output chain equals the reference decision function");
  command->add_flag("--all-states", options->all_states,
                    "Prove the compiled ruleset in every reachable state (no kernel needed)");
  command
      ->add_option("--diff", options->diff,
                   "OLD.yaml NEW.yaml: packet classes a change opens and closes")
      ->expected(2);
  command->add_option("--control", options->control,
                      "Verify the running agent's policy and live situation (its control socket)");
  command
      ->add_option("--max-counterexamples", options->max_counterexamples, "Lines to print at most")
      ->capture_default_str();
  command->callback([&exit_code, options] {
    if (!options->diff.empty()) {
      exit_code = VerifyDiff(*options);
      return;
    }
    if (!options->control.empty()) {
      exit_code = VerifyByAgent(*options);
      return;
    }
    if (options->policy.empty()) {
      std::cerr << "verify needs a POLICY file (or --control SOCK, or --diff OLD NEW)\n";
      exit_code = kExitBadInput;
      return;
    }
    auto inputs = LoadInputs(options->policy, options->situation, false);
    if (!inputs) {
      exit_code = kExitBadInput;
      return;
    }
    exit_code =
        options->all_states ? VerifyAllStates(*options, *inputs) : VerifyKernel(*options, *inputs);
  });
}

}  // namespace netwarden::cli
