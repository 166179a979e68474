#include "policy/apps_parser.h"

#include <sys/stat.h>

#include <cctype>
#include <set>

#include "policy/apps_precedence.h"

namespace netwarden {

const char* AppDirectionName(AppDirection direction) {
  return direction == AppDirection::kIn ? "in" : "out";
}
const char* AppProtocolName(AppProtocol protocol) {
  switch (protocol) {
    case AppProtocol::kTcp:
      return "tcp";
    case AppProtocol::kUdp:
      return "udp";
    case AppProtocol::kAny:
      break;
  }
  return "any";
}
const char* AppActionName(AppAction action) {
  return action == AppAction::kAllow ? "allow" : "deny";
}

namespace {

using YAML::Node;

// Rule names travel to the kernel's name table (63 bytes) and into events and logs.
bool IsValidRuleName(const std::string& name) {
  if (name.empty() || name.size() > 63 || name == "default") return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

class AppsParser {
 public:
  AppsParser(YamlReader& reader, AppsPolicy& apps) : reader_(reader), apps_(apps) {}

  void Parse(const Node& node) {
    if (!reader_.ExpectMap(node, "apps", {"default", "rules"})) return;
    apps_.present = true;
    if (node["default"]) {
      if (auto action = reader_.Choice(node["default"], "apps.default", {"allow", "deny"})) {
        apps_.default_action = *action == "allow" ? AppAction::kAllow : AppAction::kDeny;
      }
    }
    const Node& rules = node["rules"];
    if (!reader_.ExpectSequence(rules, "apps.rules") || !rules) return;
    std::vector<Node> rule_nodes;
    for (const auto& entry : rules) {
      if (auto rule = ParseRule(entry)) {
        apps_.rules.push_back(std::move(*rule));
        rule_nodes.push_back(entry);
      }
    }
    if (!reader_.failed()) WarnShadowed(rule_nodes);
  }

 private:
  std::optional<AppRule> ParseRule(const Node& node) {
    if (!reader_.ExpectMap(
            node, "an apps rule",
            {"name", "program", "direction", "protocol", "remote", "ports", "user", "action"})) {
      return std::nullopt;
    }
    AppRule rule;
    rule.where = reader_.At(node);
    bool ok = true;
    auto name = reader_.String(node["name"], "name");
    if (!name || !IsValidRuleName(*name)) {
      reader_.Fail(node["name"] ? node["name"] : node,
                   "an apps rule needs a 'name' of letters, digits, '-', '_' or '.' (at most 63, "
                   "not 'default')");
      ok = false;
    } else if (!names_.insert(*name).second) {
      reader_.Fail(node["name"], "duplicate apps rule name '" + *name + "'");
      ok = false;
    } else {
      rule.name = *name;
    }
    auto program = reader_.String(node["program"], "program");
    if (!program || program->empty() || (*program)[0] != '/') {
      reader_.Fail(node["program"] ? node["program"] : node,
                   "an apps rule needs 'program': the absolute path of an executable");
      ok = false;
    } else {
      rule.program = *program;
      struct stat info {};
      if (checked_programs_.insert(*program).second && stat(program->c_str(), &info) != 0) {
        reader_.Warn(node["program"], "program " + *program +
                                          " does not exist on this machine yet: the rule applies "
                                          "once it appears");
      }
    }
    if (node["direction"]) {
      auto direction = reader_.Choice(node["direction"], "direction", {"out", "in"});
      ok = ok && direction.has_value();
      if (direction) rule.direction = *direction == "in" ? AppDirection::kIn : AppDirection::kOut;
    }
    if (node["protocol"]) {
      auto protocol = reader_.Choice(node["protocol"], "protocol", {"tcp", "udp", "any"});
      ok = ok && protocol.has_value();
      if (protocol) {
        rule.protocol = *protocol == "tcp"   ? AppProtocol::kTcp
                        : *protocol == "udp" ? AppProtocol::kUdp
                                             : AppProtocol::kAny;
      }
    }
    ok = ParseRemote(node["remote"], rule) && ok;
    ok = ParsePorts(node["ports"], rule) && ok;
    if (node["user"]) {
      rule.uid = reader_.User(node["user"], "user");
      ok = ok && rule.uid.has_value();
    }
    if (!node["action"]) {
      reader_.Fail(node, "an apps rule needs 'action: allow' or 'action: deny'");
      ok = false;
    } else if (auto action = reader_.Choice(node["action"], "action", {"allow", "deny"})) {
      rule.action = *action == "allow" ? AppAction::kAllow : AppAction::kDeny;
    } else {
      ok = false;
    }
    if (!ok) return std::nullopt;
    return rule;
  }

  bool ParseRemote(const Node& node, AppRule& rule) {
    if (!node) return true;
    if (!reader_.ExpectSequence(node, "remote")) return false;
    if (node.IsNull() || node.size() == 0) {
      reader_.Fail(node, "remote must list at least one network (omit it for any address)");
      return false;
    }
    bool ok = true;
    std::set<IpNetwork> seen;
    for (const auto& entry : node) {
      auto network = reader_.Network(entry, "remote");
      if (!network) {
        ok = false;
      } else if (!seen.insert(*network).second) {
        reader_.Warn(entry, "remote " + network->ToString() + " is listed twice");
      } else {
        rule.remote.push_back(*network);
      }
    }
    return ok;
  }

  bool ParsePorts(const Node& node, AppRule& rule) {
    if (!node) return true;
    if (!reader_.ExpectSequence(node, "ports")) return false;
    if (node.IsNull() || node.size() == 0) {
      reader_.Fail(node, "ports must list at least one port (omit it for any port)");
      return false;
    }
    bool ok = true;
    std::set<uint16_t> seen;
    for (const auto& entry : node) {
      auto port = reader_.Port(entry, "a port");
      if (!port) {
        ok = false;
      } else if (!seen.insert(*port).second) {
        reader_.Warn(entry, "port " + std::to_string(*port) + " is listed twice");
      } else {
        rule.ports.push_back(*port);
      }
    }
    return ok;
  }


  void WarnShadowed(const std::vector<Node>& rule_nodes) {
    const ExpandedApps expanded = ExpandAppRules(apps_);
    for (size_t i = 0; i < apps_.rules.size(); ++i) {
      if (!expanded.shadowed[i]) continue;
      const AppRule& winner = apps_.rules[expanded.shadowed_by[i]];
      reader_.Warn(rule_nodes[i], "apps rule '" + apps_.rules[i].name +
                                      "' can never match: rule '" + winner.name + "' (line " +
                                      std::to_string(winner.where.line) +
                                      ") takes precedence for everything it matches");
    }
  }

  YamlReader& reader_;
  AppsPolicy& apps_;
  std::set<std::string> names_;
  std::set<std::string> checked_programs_;  // a missing program is reported once
};

}  // namespace

void ParseApps(YamlReader& reader, const YAML::Node& node, AppsPolicy& apps) {
  if (!node) return;
  AppsParser(reader, apps).Parse(node);
}

}  // namespace netwarden
