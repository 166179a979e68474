#include "policy/apps_parser.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <optional>
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
const char* AppModeName(AppMode mode) { return mode == AppMode::kReport ? "report" : "enforce"; }

namespace {

using YAML::Node;

// Writable by someone other than root: a non-root owner with write permission, a group other
// than root's with write permission, or everyone.
std::optional<std::string> WhoCanWrite(const struct stat& info) {
  if (info.st_uid != 0 && (info.st_mode & S_IWUSR)) return "uid " + std::to_string(info.st_uid);
  if (info.st_gid != 0 && (info.st_mode & S_IWGRP)) return "group " + std::to_string(info.st_gid);
  if (info.st_mode & S_IWOTH) return std::string("everyone");
  return std::nullopt;
}

}  // namespace

std::vector<std::string> ProgramPathWarnings(const std::string& program) {
  std::vector<std::string> warnings;
  struct stat info {};
  if (lstat(program.c_str(), &info) == 0) {
    if (S_ISLNK(info.st_mode)) {
      char target[4096];
      const ssize_t length = readlink(program.c_str(), target, sizeof(target) - 1);
      warnings.push_back(
          "program " + program + " is a symbolic link" +
          (length > 0 ? " to " + std::string(target, static_cast<size_t>(length)) : std::string()) +
          ": rules name the executable file itself (links are not followed), so "
          "this rule never matches; name the file it points to");
    } else if (auto who = WhoCanWrite(info)) {
      warnings.push_back("program " + program + " can be written by " + *who +
                         ": they can replace it, and it keeps this rule");
    }
  }
  for (std::string dir = program.substr(0, program.find_last_of('/')); !dir.empty();
       dir = dir.substr(0, dir.find_last_of('/'))) {
    if (stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) continue;  // not there yet
    if (auto who = WhoCanWrite(info)) {
      warnings.push_back("program " + program + " is in " + dir + ", which " + *who +
                         " can write to: they can put another executable under this rule's name");
      break;  // the closest such directory is enough
    }
  }
  if (auto who = stat("/", &info) == 0 ? WhoCanWrite(info) : std::nullopt) {
    warnings.push_back("program " + program + " is under /, which " + *who + " can write to");
  }
  return warnings;
}

namespace {

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
    if (!reader_.ExpectMap(node, "apps", {"mode", "default", "rules"})) return;
    apps_.present = true;
    if (node["mode"]) {
      if (auto mode = reader_.Choice(node["mode"], "apps.mode", {"enforce", "report"})) {
        apps_.mode = *mode == "report" ? AppMode::kReport : AppMode::kEnforce;
      }
    }
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
      if (checked_programs_.insert(*program).second) {  // each program's warnings once
        if (lstat(program->c_str(), &info) != 0) {
          reader_.Warn(node["program"], "program " + *program +
                                            " does not exist on this machine yet: the rule "
                                            "applies once it appears");
        }
        for (auto& warning : ProgramPathWarnings(*program)) {
          reader_.Warn(node["program"], std::move(warning));
        }
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
