#include "threats/threat_ruleset.h"

#include <fmt/format.h>

namespace netwarden::threats {
namespace {

const std::string kTable = std::string("inet ") + kThreatTable;
// Every NFLOG rule is rate-limited in the kernel (like the forced-VPN reject chains): a local
// user opening connections to a listed address as fast as it can must not be able to flood the
// agent's loop with log messages. Only the log is limited, never the verdict that follows.
constexpr const char* kLogLimit = "limit rate 20/second burst 50 packets";

std::string ActionChain(const ThreatFeed& feed) { return "a_" + feed.name; }

void RenderAction(const ThreatPolicy& threats, const ThreatFeed& feed, std::string& out) {
  const std::string chain = ActionChain(feed);
  const std::string log =
      fmt::format("log prefix \"{}\" group {}", LogPrefix(feed), kThreatLogGroup);
  switch (feed.action) {
    case ThreatAction::kBlock:
      out += fmt::format("add rule {} {} {} {}\n", kTable, chain, kLogLimit, log);
      out += fmt::format("add rule {} {} meta l4proto tcp reject with tcp reset\n", kTable, chain);
      out += fmt::format("add rule {} {} reject with icmpx admin-prohibited\n", kTable, chain);
      break;
    case ThreatAction::kLog:
      // One event per connection; netwarden's own table still decides.
      out += fmt::format("add rule {} {} ct state new {} {}\n", kTable, chain, kLogLimit, log);
      out += fmt::format("add rule {} {} accept\n", kTable, chain);
      break;
    case ThreatAction::kInspect:
      // The mark sends the connection into the inspection interface by policy routing
      // (the route chain makes the kernel re-route after the mark changes).
      out += fmt::format("add rule {} {} ct state new {} {}\n", kTable, chain, kLogLimit, log);
      out +=
          fmt::format("add rule {} {} meta mark set {:#x} accept\n", kTable, chain, kInspectMark);
      (void)threats;
      break;
  }
}

void RenderLookups(const ThreatFeed& feed, const char* base_chain, std::string& out) {
  for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
    const char* match = family == IpFamily::kV4 ? "ip daddr" : "ip6 daddr";
    for (bool interval : {false, true}) {
      out += fmt::format("add rule {} {} {} @{} goto {}\n", kTable, base_chain, match,
                         SetName(feed.name, family, interval), ActionChain(feed));
    }
  }
}

}  // namespace

std::string SetName(const std::string& feed, IpFamily family, bool interval) {
  return "f_" + feed + (family == IpFamily::kV4 ? "_v4" : "_v6") + (interval ? "n" : "");
}

std::string LogPrefix(const ThreatFeed& feed) {
  std::string prefix = fmt::format("nwthreat {} {} ", ThreatActionName(feed.action), feed.name);
  return prefix.substr(0, 127);
}

std::string RenderSetsScript(const ThreatPolicy& threats) {
  std::string out = fmt::format("add table {}\n", kTable);
  for (const auto& feed : threats.feeds) {
    for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
      const char* type = family == IpFamily::kV4 ? "ipv4_addr" : "ipv6_addr";
      out += fmt::format("add set {} {} {{ type {}; }}\n", kTable,
                         SetName(feed.name, family, false), type);
      out += fmt::format("add set {} {} {{ type {}; flags interval; }}\n", kTable,
                         SetName(feed.name, family, true), type);
    }
  }
  return out;
}

std::string RenderRulesScript(const ThreatPolicy& threats, const StaleObjects& stale) {
  std::string out = fmt::format("add table {}\n", kTable);
  // Before netwarden's own filter chains (priority filter), so a listed destination is refused
  // even where netwarden would allow it.
  const char* hooks[][2] = {{"output", "filter hook output priority filter - 10"},
                            {"forward", "filter hook forward priority filter - 10"}};
  for (const auto& hook : hooks) {
    out += fmt::format("add chain {} {} {{ type {}; policy accept; }}\n", kTable, hook[0], hook[1]);
    out += fmt::format("flush chain {} {}\n", kTable, hook[0]);
  }
  bool inspect = false;
  for (const auto& feed : threats.feeds) inspect |= feed.action == ThreatAction::kInspect;
  // A mark set in a filter chain does not re-route locally generated packets; a route chain does.
  out += fmt::format(
      "add chain {} reroute {{ type route hook output priority mangle - 10; policy accept; }}\n",
      kTable);
  out += fmt::format("flush chain {} reroute\n", kTable);
  // Forwarded traffic (a LAN behind this host) is routed after prerouting: marked there.
  out += fmt::format(
      "add chain {} inspect_forward {{ type filter hook prerouting priority mangle - 10; policy "
      "accept; }}\n",
      kTable);
  out += fmt::format("flush chain {} inspect_forward\n", kTable);
  for (const auto& feed : threats.feeds) {
    out += fmt::format("add chain {} {}\n", kTable, ActionChain(feed));
    out += fmt::format("flush chain {} {}\n", kTable, ActionChain(feed));
    RenderAction(threats, feed, out);
    if (feed.action == ThreatAction::kInspect) {
      RenderLookups(feed, "reroute", out);
      RenderLookups(feed, "inspect_forward", out);
    } else {
      RenderLookups(feed, "output", out);
      RenderLookups(feed, "forward", out);
    }
  }
  // Rerouted packets keep the source address chosen for the original route; the inspection
  // tunnel only accepts its own, hence the masquerade.
  out += fmt::format(
      "add chain {} inspect_nat {{ type nat hook postrouting priority srcnat - 10; policy accept; "
      "}}\n",
      kTable);
  out += fmt::format("flush chain {} inspect_nat\n", kTable);
  // The forced-VPN table lets marked packets out by their mark alone (the output hook cannot see
  // where they were re-routed): here, where the real output interface is known, a marked packet
  // that would leave by anything but the inspection interface is dropped. Fail closed.
  out += fmt::format(
      "add chain {} inspect_guard {{ type filter hook postrouting priority filter - 10; policy "
      "accept; }}\n",
      kTable);
  out += fmt::format("flush chain {} inspect_guard\n", kTable);
  if (inspect) {
    out += fmt::format("add rule {} inspect_nat meta mark {:#x} oifname \"{}\" masquerade\n",
                       kTable, kInspectMark, threats.inspection_interface);
    out += fmt::format("add rule {} inspect_guard meta mark {:#x} oifname != \"{}\" counter drop\n",
                       kTable, kInspectMark, threats.inspection_interface);
  } else {
    out += fmt::format("delete chain {} reroute\n", kTable);
    out += fmt::format("delete chain {} inspect_forward\n", kTable);
    out += fmt::format("delete chain {} inspect_nat\n", kTable);
    out += fmt::format("delete chain {} inspect_guard\n", kTable);
  }
  for (const auto& chain : stale.chains) out += fmt::format("delete chain {} {}\n", kTable, chain);
  for (const auto& set : stale.sets) out += fmt::format("delete set {} {}\n", kTable, set);
  return out;
}

}  // namespace netwarden::threats
