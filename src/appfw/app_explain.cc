#include "appfw/app_explain.h"

#include <netdb.h>
#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <ostream>

#include "appfw/evaluate.h"
#include "policy/apps_precedence.h"
#include "policy/policy_parser.h"

namespace netwarden::appfw {
namespace {

std::optional<uint32_t> ParseUid(const std::string& user) {
  if (user.empty()) return static_cast<uint32_t>(getuid());
  if (std::isdigit(static_cast<unsigned char>(user[0]))) {
    try {
      const unsigned long value = std::stoul(user);
      if (value < kAnyUid) return static_cast<uint32_t>(value);
    } catch (...) {
    }
    return std::nullopt;
  }
  if (const passwd* entry = getpwnam(user.c_str())) return entry->pw_uid;
  return std::nullopt;
}

// ::ffff:a.b.c.d is judged as a.b.c.d, as the kernel programs do.
IpAddress Unmapped(const IpAddress& address) {
  const auto& b = address.bytes();
  if (address.is_v4()) return address;
  for (int i = 0; i < 10; ++i) {
    if (b[i] != 0) return address;
  }
  if (b[10] != 0xff || b[11] != 0xff) return address;
  return IpAddress::V4((uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) |
                       b[15]);
}

std::string Location(const std::optional<SourceLocation>& where) {
  if (!where) return "";
  return where->file + ":" + std::to_string(where->line) + ":" + std::to_string(where->column);
}

std::string Reason(const CompiledTables& tables, const TableVerdict& verdict, uint32_t app_id) {
  if (const RuleInfo* rule = tables.Rule(verdict.rule_id)) {
    if (tables.IsGuard(verdict.rule_id)) {
      return "only " + rule->program + " may use this gateway exception";
    }
    return "apps rule '" + rule->name + "' (" + AppActionName(rule->action) + ") for " +
           rule->program;
  }
  if (app_id == 0) return "no apps rule names this program: apps.default";
  return "no apps rule of this program matches: apps.default";
}

}  // namespace

ResolvedHosts ResolveGatewayHosts(const Policy& policy) {
  ResolvedHosts hosts;
  for (const Gateway& gateway : policy.gateways) {
    if (gateway.program.empty() || gateway.host.empty()) continue;
    addrinfo* list = nullptr;
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    if (getaddrinfo(gateway.host.c_str(), nullptr, &hints, &list) != 0) continue;
    for (addrinfo* it = list; it; it = it->ai_next) {
      char text[NI_MAXHOST];
      if (getnameinfo(it->ai_addr, it->ai_addrlen, text, sizeof(text), nullptr, 0,
                      NI_NUMERICHOST) == 0) {
        if (auto address = IpAddress::Parse(text)) hosts[gateway.host].push_back(*address);
      }
    }
    freeaddrinfo(list);
  }
  return hosts;
}

int ExplainApp(const AppExplainRequest& request, std::ostream& out, std::ostream& err) {
  auto policy = LoadPolicyFile(request.policy_path);
  if (!policy) {
    err << policy.error().ToString() << "\n";
    return 2;
  }
  const CompiledTables tables = CompileApps(*policy, ResolveGatewayHosts(*policy));
  AppQuery query;
  query.app_id = tables.AppId(request.program);
  auto uid = ParseUid(request.user);
  if (!uid) {
    err << "unknown user '" << request.user << "'\n";
    return 2;
  }
  query.uid = *uid;
  if (request.direction == "out") {
    query.hook = AppHook::kConnect;
  } else if (request.direction == "in") {
    query.hook = AppHook::kIngress;
  } else if (request.direction == "listen") {
    query.hook = AppHook::kBind;
  } else {
    err << "--direction must be out, in or listen\n";
    return 2;
  }
  if (request.protocol != "tcp" && request.protocol != "udp") {
    err << "--proto must be tcp or udp for --program\n";
    return 2;
  }
  query.ip_protocol = request.protocol == "tcp" ? kIpProtoTcp : kIpProtoUdp;
  if (query.hook != AppHook::kBind) {
    auto remote = IpAddress::Parse(request.remote);
    if (!remote) {
      err << (request.remote.empty() ? "explain --program needs --dst" : remote.error().message)
          << "\n";
      return 2;
    }
    query.remote = Unmapped(*remote);
  }
  query.port = request.port;
  const TableVerdict verdict = Evaluate(tables, query);
  const RuleInfo* rule = tables.Rule(verdict.rule_id);
  const std::string where = rule ? Location(rule->where) : "";
  const std::string reason = Reason(tables, verdict, query.app_id);
  if (request.json) {
    nlohmann::json answer = {
        {"verdict", AppActionName(verdict.action)},
        {"rule", tables.RuleName(verdict.rule_id)},
        {"reason", reason},
        {"program", request.program},
        {"direction", request.direction},
        {"protocol", request.protocol},
        {"remote", query.hook == AppHook::kBind ? "" : query.remote.ToString()},
        {"port", request.port},
        {"uid", query.uid},
        {"mode", tables.report ? "report" : "enforce"},
        {"enforced", verdict.action == AppAction::kAllow || !tables.OnlyReported(verdict)}};
    if (!where.empty()) answer["policy_location"] = where;
    out << answer.dump() << "\n";
    return 0;
  }
  out << AppActionName(verdict.action) << " " << tables.RuleName(verdict.rule_id) << ": " << reason;
  if (!where.empty()) out << " (" << where << ")";
  if (tables.OnlyReported(verdict)) out << "; would deny (report mode): not refused, reported";
  out << "\n";
  return 0;
}

}  // namespace netwarden::appfw
