#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agent/control_socket.h"
#include "appfw/app_explain.h"
#include "appfw/compile.h"
#include "cli/command.h"
#include "cli/inputs.h"
#include "compiler/compiler.h"
#include "compiler/ruleset_eval.h"
#include "decision/decide.h"
#include "explain/explain.h"
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
  bool uid_given = false;
  bool json = false;
  bool compiled = false;
  std::string plane;  // print only this plane's answer
  std::string batch;
  std::string control;  // ask the running agent instead of reading a policy
  std::string threat_cache = "/var/lib/netwarden/threats";  // the feeds' lists (what is loaded)
  appfw::AppExplainRequest app;  // --program given: the per-program firewall answers too
};

std::string DefaultInterface(const Inputs& inputs) {
  const std::string found = DefaultOutputInterface(inputs.situation.interfaces, inputs.effective);
  return found.empty() ? "eth0" : found;
}

// --user NAME|UID, else --uid, else (with --program) the caller: whose process opens the socket.
std::optional<uint32_t> FlowUid(const ExplainOptions& options) {
  const std::string& user = options.app.user;
  if (user.empty()) {
    if (!options.uid_given && !options.app.program.empty()) return static_cast<uint32_t>(getuid());
    return options.uid;
  }
  if (std::isdigit(static_cast<unsigned char>(user[0]))) {
    uint64_t value = 0;
    for (char c : user) {
      const bool digit = std::isdigit(static_cast<unsigned char>(c)) != 0;
      if (!digit || value > 0xfffffffeULL) return std::nullopt;
      value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    if (value > 0xfffffffeULL) return std::nullopt;
    return static_cast<uint32_t>(value);
  }
  if (const passwd* entry = getpwnam(user.c_str())) return entry->pw_uid;
  return std::nullopt;
}

// --compiled and --batch: the forced VPN alone, as the reference decision function or the
// compiled ruleset's evaluator says (the lab's differential test compares them with the kernel).
Decision Decide(const Inputs& inputs, const Flow& flow, bool compiled) {
  if (!compiled) return DecideOutbound(inputs.effective, flow);
  const RulesetVerdict verdict = EvaluateOutput(Compile(inputs.effective), flow);
  const Verdict answer = verdict.action == Action::kAccept ? Verdict::kAllow
                         : verdict.logged_only             ? Verdict::kWouldReject
                                                           : Verdict::kReject;
  return {answer, verdict.rule, "compiled ruleset, output chain rule '" + verdict.rule + "'",
          std::nullopt};
}

void PrintDecision(const Flow& flow, const Decision& decision, bool json) {
  if (json) {
    nlohmann::json out = {{"verdict", VerdictName(decision.verdict)},
                          {"plane", "vpn"},
                          {"rule", decision.rule},
                          {"reason", decision.reason},
                          {"protocol", FlowProtocolName(flow.protocol)},
                          {"destination", flow.destination.ToString()},
                          {"port", flow.port},
                          {"output_interface", flow.output_interface},
                          {"uid", flow.uid}};
    if (decision.where) out["policy_location"] = explain::LocationText(decision.where);
    std::cout << out.dump() << "\n";
    return;
  }
  std::cout << VerdictName(decision.verdict) << " " << decision.rule << ": " << decision.reason;
  if (decision.where) std::cout << " (" << explain::LocationText(decision.where) << ")";
  std::cout << "\n";
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

// Prints a composed answer (ours or the agent's JSON form), or only one plane's line (--plane).
int PrintAnswer(const nlohmann::json& answer, const ExplainOptions& options,
                const std::string& suffix) {
  if (!options.plane.empty()) {
    const auto planes = answer.find("planes");
    if (planes == answer.end() || !planes->contains(options.plane)) {
      std::cerr << "--plane must be threat_feeds, vpn or apps\n";
      return kExitBadInput;
    }
    const nlohmann::json& plane = (*planes)[options.plane];
    if (options.json) {
      std::cout << plane.dump() << "\n";
    } else {
      std::cout << explain::PlaneLine(plane) << "\n";
    }
    return kExitOk;
  }
  if (options.json) {
    std::cout << answer.dump() << "\n";
  } else {
    std::string text = explain::TextFromJson(answer);
    if (!suffix.empty()) text.insert(text.find('\n'), suffix);
    std::cout << text;
  }
  return kExitOk;
}

// Against the live situation: the running agent answers from what it has applied.
int ExplainByAgent(const ExplainOptions& options) {
  nlohmann::json request = {{"command", "explain"},         {"protocol", options.protocol},
                            {"destination", options.destination}, {"port", options.port},
                            {"source_port", options.source_port}, {"uid", options.uid},
                            {"output_interface", options.output_interface}};
  if (!options.app.program.empty()) request["program"] = options.app.program;
  if (auto uid = FlowUid(options)) request["uid"] = *uid;
  auto response = agent::CallAgent(options.control, request);
  if (!response) {
    std::cerr << response.error().ToString() << "\n";
    return kExitFailure;
  }
  if (!response->value("ok", false)) {
    std::cerr << "agent: " << response->value("error", "refused") << "\n";
    return kExitBadInput;
  }
  if (options.json && options.plane.empty()) {
    std::cout << response->dump() << "\n";
    return kExitOk;
  }
  return PrintAnswer(*response, options,
                     " [live, out " + response->value("output_interface", "?") + ", generation " +
                         std::to_string(response->value("generation", 0)) + "]");
}

int Run(const ExplainOptions& options) {
  auto inputs = LoadInputs(options.policy_path, options.situation_path, false);
  if (!inputs) return kExitBadInput;
  const bool vpn_only = options.compiled || !options.batch.empty();
  if (vpn_only && !inputs->policy.vpn) {
    std::cerr << options.policy_path
              << ": no 'vpn' section: --batch and --compiled answer for the forced VPN only\n";
    return kExitBadInput;
  }
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
  const auto uid = FlowUid(options);
  if (!protocol || !destination || !uid) {
    std::cerr << (!protocol      ? protocol.error().message
                  : !destination ? destination.error().message
                                 : "unknown user '" + options.app.user + "'")
              << "\n";
    return kExitBadInput;
  }
  Flow flow{*protocol, *destination, options.port, options.source_port,
            options.output_interface.empty() ? DefaultInterface(*inputs) : options.output_interface,
            *uid};
  if (options.compiled) {
    PrintDecision(flow, Decide(*inputs, flow, true), options.json);
    return kExitOk;
  }
  const Policy& policy = inputs->policy;
  explain::Inputs question;
  question.flow = flow;
  question.program = options.app.program;
  if (policy.vpn) question.vpn = &inputs->effective;
  question.threats = &policy.threats;
  if (!policy.threats.feeds.empty()) {
    question.feed_matches =
        threats::MatchLists(threats::LoadFeedLists(options.threat_cache), *destination);
  }
  // The program guards' gateway names resolve to the situation's addresses, as the nftables
  // gateway set does: both planes see one answer.
  std::optional<appfw::CompiledTables> tables;
  if (explain::AppsPlaneInUse(policy)) {
    tables = appfw::CompileApps(policy, inputs->situation.resolved);
    question.apps = &*tables;
    question.apps_report = policy.apps.mode == AppMode::kReport;
  }
  return PrintAnswer(explain::ExplainFlow(question).ToJson(), options, "");
}

}  // namespace

void RegisterExplainCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "explain",
      "Say whether a connection would be allowed, which plane and which rule decides, and what "
      "the threat feeds, the forced VPN and the per-program firewall each say");
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
  auto* uid = command->add_option("--uid", options->uid,
                                  "Socket owner's uid (default 0; with --program: the caller)");
  command->add_flag("--json", options->json, "One JSON object per answer");
  command->add_option("--plane", options->plane,
                      "Print only this plane's answer: threat_feeds | vpn | apps")
      ->check(CLI::IsMember({"threat_feeds", "vpn", "apps"}));
  command->add_option("--threat-cache", options->threat_cache,
                      "Threat feeds' lists to consult (those of the policy's feeds)")
      ->capture_default_str();
  command->add_flag("--compiled", options->compiled,
                    "Forced VPN only: answer from the compiled ruleset (what the kernel gets) "
                    "instead of the reference decision function");
  command->add_option("--batch", options->batch,
                      "Forced VPN only: file ('-' = stdin) of lines 'PROTO DST PORT OIF UID'; "
                      "prints 'VERDICT RULE' per line");
  command->add_option("--program", options->app.program,
                      "Executable path: the per-program firewall judges this program's socket");
  command->add_option("--user", options->app.user,
                      "uid or user name of the program's process (default: --uid, or the caller)");
  command->add_option("--direction", options->app.direction,
                      "With --program: out | in (from --dst to local --port) | listen (--port); "
                      "in and listen are answered by the per-program firewall alone");
  command->callback([&exit_code, options, uid] {
    options->uid_given = uid->count() > 0;
    const bool inbound = options->app.direction != "out";
    if (!options->app.program.empty() && inbound && !options->policy_path.empty()) {
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
