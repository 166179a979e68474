#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "appfw/app_explain.h"
#include "agent/control_socket.h"
#include "cli/command.h"
#include "cli/inputs.h"
#include "compiler/compiler.h"
#include "compiler/ruleset_eval.h"
#include "decision/decide.h"
#include "threats/explain.h"

namespace netwarden::cli {
namespace {

struct ExplainOptions {
  std::string policy_path;
  std::string situation_path;
  std::string protocol = "tcp";
  std::string destination;
  uint16_t port = 0;
  uint16_t source_port = 0;
  std::string output_interface;
  uint32_t uid = 0;
  bool json = false;
  bool compiled = false;
  std::string batch;
  std::string control;  // ask the running agent instead of reading a policy
  std::string threat_cache = "/var/lib/netwarden/threats";  // the feeds' lists (what is loaded)
  appfw::AppExplainRequest app;  // --program given: the per-program firewall answers
};

std::string DefaultInterface(const Inputs& inputs) {
  const std::string found = DefaultOutputInterface(inputs.situation.interfaces, inputs.effective);
  return found.empty() ? "eth0" : found;
}

std::string Location(const Decision& decision) {
  if (!decision.where) return "";
  return decision.where->file + ":" + std::to_string(decision.where->line) + ":" +
         std::to_string(decision.where->column);
}

void Print(const Flow& flow, const Decision& decision, const std::optional<threats::ThreatVerdict>& threat,
           bool json) {
  if (json) {
    nlohmann::json out = {{"verdict", VerdictName(decision.verdict)},
                          {"rule", decision.rule},
                          {"reason", decision.reason},
                          {"protocol", FlowProtocolName(flow.protocol)},
                          {"destination", flow.destination.ToString()},
                          {"port", flow.port},
                          {"output_interface", flow.output_interface},
                          {"uid", flow.uid}};
    if (decision.where) out["policy_location"] = Location(decision);
    if (threat) out["threat"] = threats::ThreatVerdictJson(*threat);
    std::cout << out.dump() << "\n";
    return;
  }
  std::cout << VerdictName(decision.verdict) << " " << decision.rule << ": " << decision.reason;
  if (decision.where) std::cout << " (" << Location(decision) << ")";
  std::cout << "\n";
}

// The reference decision, or (--compiled) the verdict of the compiled ruleset the kernel gets.
// Threat feeds are not consulted here: this is the forced-VPN policy alone (batch, differential).
Decision Decide(const Inputs& inputs, const Flow& flow, bool compiled) {
  if (!compiled) return DecideOutbound(inputs.effective, flow);
  const RulesetVerdict verdict = EvaluateOutput(Compile(inputs.effective), flow);
  const Verdict answer = verdict.action == Action::kAccept ? Verdict::kAllow
                         : verdict.logged_only             ? Verdict::kWouldReject
                                                           : Verdict::kReject;
  return {answer, verdict.rule, "compiled ruleset, output chain rule '" + verdict.rule + "'",
          std::nullopt};
}

// Batch lines: PROTO DST PORT OIF UID -> "allow RULE" / "reject RULE" / "error MESSAGE".
int RunBatch(const Inputs& inputs, std::istream& in, bool compiled) {
  int exit_code = kExitOk;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string protocol, destination, oif;
    long port = -1, uid = -1;
    fields >> protocol >> destination >> port >> oif >> uid;
    auto parsed_protocol = ParseFlowProtocol(protocol);
    auto address = IpAddress::Parse(destination);
    if (!fields || !parsed_protocol || !address || port < 0 || port > 65535 || uid < 0) {
      std::cout << "error cannot read flow '" << line << "'\n";
      exit_code = kExitBadInput;
      continue;
    }
    Flow flow{*parsed_protocol, *address, static_cast<uint16_t>(port), 0, oif,
              static_cast<uint32_t>(uid)};
    const Decision decision = Decide(inputs, flow, compiled);
    std::cout << VerdictName(decision.verdict) << " " << decision.rule << "\n";
  }
  return exit_code;
}

// Against the live situation: the running agent answers from what it has applied.
int ExplainByAgent(const ExplainOptions& options) {
  nlohmann::json request = {{"command", "explain"},         {"protocol", options.protocol},
                            {"destination", options.destination}, {"port", options.port},
                            {"source_port", options.source_port}, {"uid", options.uid},
                            {"output_interface", options.output_interface}};
  auto response = agent::CallAgent(options.control, request);
  if (!response) {
    std::cerr << response.error().ToString() << "\n";
    return kExitFailure;
  }
  if (!response->value("ok", false)) {
    std::cerr << "agent: " << response->value("error", "refused") << "\n";
    return kExitBadInput;
  }
  if (options.json) {
    std::cout << response->dump() << "\n";
    return kExitOk;
  }
  std::cout << response->value("verdict", "?") << " " << response->value("rule", "?") << ": "
            << response->value("reason", "");
  if (response->contains("policy_location")) {
    std::cout << " (" << (*response)["policy_location"].get<std::string>() << ")";
  }
  std::cout << " [live, out " << response->value("output_interface", "?") << ", generation "
            << response->value("generation", 0) << "]\n";
  return kExitOk;
}

int Run(const ExplainOptions& options) {
  auto inputs = LoadInputs(options.policy_path, options.situation_path, false);
  if (!inputs) return kExitBadInput;
  if (!options.batch.empty()) {
    if (options.batch == "-") return RunBatch(*inputs, std::cin, options.compiled);
    std::ifstream in(options.batch);
    if (!in) {
      std::cerr << options.batch << ": cannot open\n";
      return kExitBadInput;
    }
    return RunBatch(*inputs, in, options.compiled);
  }
  auto protocol = ParseFlowProtocol(options.protocol);
  auto destination = IpAddress::Parse(options.destination);
  if (!protocol || !destination) {
    std::cerr << (!protocol ? protocol.error().message : destination.error().message) << "\n";
    return kExitBadInput;
  }
  Flow flow{*protocol, *destination, options.port, options.source_port,
            options.output_interface.empty() ? DefaultInterface(*inputs) : options.output_interface,
            options.uid};
  if (options.compiled || inputs->policy.threats.feeds.empty()) {
    Print(flow, Decide(*inputs, flow, options.compiled), std::nullopt, options.json);
    return kExitOk;
  }
  // The threat table runs before the forced-VPN rules: a listed destination is answered by its
  // feed, with the entry that lists it.
  const auto answered = threats::DecideWithThreats(
      inputs->effective, inputs->policy.threats, flow,
      threats::MatchLists(threats::LoadFeedLists(options.threat_cache), *destination));
  Print(answered.flow, answered.decision, answered.threat, options.json);
  return kExitOk;
}

}  // namespace

void RegisterExplainCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "explain", "Say whether a connection would be allowed, and which rule decides");
  auto options = std::make_shared<ExplainOptions>();
  command->add_option("policy", options->policy_path,
                      "Policy file (YAML); without it, the running agent answers (--control)");
  command->add_option("--control", options->control,
                      "Ask the agent at this control socket (default " +
                          std::string(agent::kDefaultControlPath) + " when no policy is given)");
  command->add_option("--situation", options->situation_path, "Observed situation (YAML)");
  command->add_option("--proto", options->protocol, "tcp | udp | icmp");
  command->add_option("--dst", options->destination, "Destination address");
  command->add_option("--port", options->port, "Destination port");
  command->add_option("--sport", options->source_port, "Source port (default: ephemeral)");
  command->add_option("--oif", options->output_interface,
                      "Output interface (default: the situation's first non-tunnel interface)");
  command->add_option("--uid", options->uid, "Socket owner's uid (default 0)");
  command->add_flag("--json", options->json, "One JSON object per answer");
  command->add_option("--threat-cache", options->threat_cache,
                      "Threat feeds' lists to consult (those of the policy's feeds)")
      ->capture_default_str();
  command->add_flag("--compiled", options->compiled,
                    "Answer from the compiled ruleset (what the kernel gets) instead of the "
                    "reference decision function");
  command->add_option("--batch", options->batch,
                      "File ('-' = stdin) of lines 'PROTO DST PORT OIF UID'; prints "
                      "'VERDICT RULE' per line");
  command->add_option("--program", options->app.program,
                      "Executable path: answer from the per-program firewall's tables");
  command->add_option("--user", options->app.user,
                      "With --program: uid or user name (default: the caller)");
  command->add_option("--direction", options->app.direction,
                      "With --program: out | in (from --dst to local --port) | listen (--port)");
  command->callback([&exit_code, options] {
    if (!options->app.program.empty()) {
      options->app.policy_path = options->policy_path;
      options->app.protocol = options->protocol;
      options->app.remote = options->destination;
      options->app.port = options->port;
      options->app.json = options->json;
      exit_code = appfw::ExplainApp(options->app, std::cout, std::cerr);
      return;
    }
    if (options->batch.empty() && options->destination.empty()) {
      std::cerr << "explain needs --dst (or --batch)\n";
      exit_code = kExitBadInput;
      return;
    }
    if (options->policy_path.empty() || !options->control.empty()) {
      if (options->control.empty()) options->control = agent::kDefaultControlPath;
      exit_code = ExplainByAgent(*options);
      return;
    }
    exit_code = Run(*options);
  });
}

}  // namespace netwarden::cli
