#include "policy/policy_parser.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/file.h"
#include "core/interface_name.h"
#include "core/yaml_reader.h"
#include "policy/apps_parser.h"
#include "policy/threats_parser.h"

namespace netwarden {
namespace {

using YAML::Node;

bool IsHex(std::string_view text) {
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

class PolicyParser {
 public:
  explicit PolicyParser(const std::string& file) : reader_(file) { policy_.source = file; }

  Result<Policy> Parse(std::string_view text) {
    Node root = reader_.Load(text);
    if (!reader_.failed()) ParseRoot(root);
    if (reader_.failed()) return reader_.TakeError();
    for (auto& warning : reader_.TakeWarnings()) {
      policy_.warnings.push_back({*warning.where, warning.message});
    }
    return std::move(policy_);
  }

 private:
  void ParseRoot(const Node& root) {
    if (!root.IsDefined() || root.IsNull()) {
      reader_.Fail(root, "the policy is empty (expected at least 'version: 1')");
      return;
    }
    if (!reader_.ExpectMap(root, "the policy",
                           {"version", "vpn", "trusted_networks", "proxies", "exceptions", "apps",
                            "threat_feeds", "inspection"})) {
      return;
    }
    if (!root["version"]) {
      reader_.Fail(root, "missing 'version: 1'");
    } else if (auto version = reader_.Integer(root["version"], "version", 1, 1)) {
      policy_.version = static_cast<int>(*version);
    }
    ParseVpn(root["vpn"]);
    ParseTrustedNetworks(root["trusted_networks"]);
    ParseProxies(root["proxies"]);
    ParseExceptions(root["exceptions"]);
    ParseApps(reader_, root["apps"], policy_.apps);
    ParseThreatFeeds(reader_, root["threat_feeds"], root["inspection"], policy_.threats);
    CheckPlanes(root);
  }

  // The contract: each plane is enforced iff its section is present. A policy that enforces
  // nothing, or that configures the forced VPN without turning it on, is a mistake to refuse: a
  // forgotten `vpn:` must never silently turn the lockdown off.
  void CheckPlanes(const Node& root) {
    const bool has_vpn = root["vpn"].IsDefined();
    const Node& feeds = root["threat_feeds"];
    const bool has_feeds =
        feeds.IsDefined() && !feeds.IsNull() && !(feeds.IsSequence() && feeds.size() == 0);
    if (!has_vpn && !root["apps"].IsDefined() && !has_feeds) {
      reader_.Fail(root,
                   "nothing to enforce: the policy needs at least one of 'vpn' (forced VPN), "
                   "'apps' (per-program firewall) or 'threat_feeds' (IP reputation)");
    }
    if (has_vpn) return;
    for (const char* key : {"trusted_networks", "proxies", "exceptions"}) {
      if (!root[key].IsDefined()) continue;
      reader_.Fail(root[key], std::string("'") + key +
                                  "' configures the forced VPN, which is enforced only with a "
                                  "'vpn' section: add 'vpn:' (or remove '" + key + "')");
    }
  }

  void ParseVpn(const Node& vpn) {
    if (!vpn) return;
    policy_.vpn = VpnSection{VpnMode::kEnforce, DefaultDhcpClientUids(), reader_.At(vpn)};
    if (vpn.IsNull()) return;  // `vpn:` alone: the lockdown with no gateway (block all)
    if (!reader_.ExpectMap(vpn, "vpn",
                           {"mode", "gateways", "tunnel_interfaces", "tunnel_kinds",
                            "dhcp_client_users"})) {
      return;
    }
    if (vpn["mode"]) {
      if (auto mode = reader_.Choice(vpn["mode"], "vpn.mode", {"enforce", "report"})) {
        policy_.vpn->mode = *mode == "report" ? VpnMode::kReport : VpnMode::kEnforce;
      }
    }
    ParseDhcpClientUsers(vpn["dhcp_client_users"]);
    const Node& gateways = vpn["gateways"];
    if (reader_.ExpectSequence(gateways, "vpn.gateways") && gateways) {
      std::set<std::string> labels;
      for (const auto& entry : gateways) {
        auto gateway = ParseGateway(entry);
        if (!gateway) continue;
        if (!labels.insert(gateway->Label()).second) {
          reader_.Fail(entry, "duplicate gateway " + gateway->Label());
          continue;
        }
        policy_.gateways.push_back(std::move(*gateway));
      }
    }
    const Node& tunnels = vpn["tunnel_interfaces"];
    if (reader_.ExpectSequence(tunnels, "vpn.tunnel_interfaces") && tunnels) {
      for (const auto& entry : tunnels) {
        auto pattern = reader_.String(entry, "a tunnel interface");
        if (!pattern) continue;
        if (!IsValidInterfacePattern(*pattern)) {
          reader_.Fail(entry, "'" + *pattern +
                                  "' is not an interface name or pattern (at most 15 characters, "
                                  "'*' only at the end)");
          continue;
        }
        policy_.tunnel_interfaces.push_back(*pattern);
      }
    }
    ParseTunnelKinds(vpn["tunnel_kinds"]);
    if (policy_.tunnel_interfaces.empty() && !policy_.gateways.empty()) {
      reader_.Warn(vpn, "no vpn.tunnel_interfaces: traffic through the tunnel will be blocked too");
    }
  }

  // Replaces the default (root + systemd-network) with exactly the listed users.
  void ParseDhcpClientUsers(const Node& users) {
    if (!users || !reader_.ExpectSequence(users, "vpn.dhcp_client_users")) return;
    std::vector<uint32_t> uids;
    for (const auto& entry : users) {
      auto uid = reader_.User(entry, "a DHCP client user");
      if (uid && std::find(uids.begin(), uids.end(), *uid) == uids.end()) uids.push_back(*uid);
    }
    if (uids.empty()) {
      reader_.Warn(users,
                   "no DHCP client users: no DHCP request can leave (static addresses only)");
    }
    policy_.vpn->dhcp_client_uids = std::move(uids);
  }

  void ParseTunnelKinds(const Node& kinds) {
    if (!kinds || !reader_.ExpectSequence(kinds, "vpn.tunnel_kinds")) return;
    policy_.tunnel_kinds.clear();
    for (const auto& entry : kinds) {
      auto kind = reader_.String(entry, "a tunnel kind");
      if (!kind) continue;
      if (!IsValidLinkKind(*kind)) {
        reader_.Fail(entry, "'" + *kind +
                                "' is not a link kind (as `ip -d link` shows it: wireguard, tun, "
                                "ipip, gre, xfrm, ...)");
        continue;
      }
      policy_.tunnel_kinds.push_back(*kind);
    }
    if (policy_.tunnel_kinds.empty()) {
      reader_.Fail(kinds, "vpn.tunnel_kinds is empty: no interface could ever be the tunnel");
    }
  }

  std::optional<Gateway> ParseGateway(const Node& node) {
    if (!reader_.ExpectMap(node, "a gateway", {"host", "address", "protocol", "port", "user", "program"})) {
      return std::nullopt;
    }
    Gateway gateway;
    gateway.where = reader_.At(node);
    bool ok = ParseHostOrAddress(node, "a gateway", gateway.host, gateway.address);
    if (!node["protocol"]) {
      reader_.Fail(node, "a gateway needs 'protocol: udp' or 'protocol: tcp'");
      ok = false;
    } else if (auto protocol = reader_.Choice(node["protocol"], "protocol", {"udp", "tcp"})) {
      gateway.protocol = *protocol == "tcp" ? Transport::kTcp : Transport::kUdp;
    } else {
      ok = false;
    }
    if (!node["port"]) {
      reader_.Fail(node, "a gateway needs a 'port'");
      ok = false;
    } else if (auto port = reader_.Port(node["port"], "port")) {
      gateway.port = *port;
    } else {
      ok = false;
    }
    if (node["user"]) {
      gateway.uid = reader_.User(node["user"], "user");
      ok = ok && gateway.uid.has_value();
    }
    if (node["program"]) {
      auto program = reader_.String(node["program"], "program");
      if (!program || program->empty() || (*program)[0] != '/') {
        reader_.Fail(node["program"], "program must be the absolute path of an executable");
        ok = false;
      } else {
        gateway.program = *program;
      }
    }
    if (!ok) return std::nullopt;
    return gateway;
  }

  // Exactly one of `host:` (a DNS name) or `address:` (a literal).
  bool ParseHostOrAddress(const Node& node, const std::string& what, std::string& host,
                          std::optional<IpAddress>& address) {
    const bool has_host = node["host"].IsDefined();
    const bool has_address = node["address"].IsDefined();
    if (has_host == has_address) {
      reader_.Fail(node, what + " needs exactly one of 'host' or 'address'");
      return false;
    }
    if (has_address) {
      address = reader_.Address(node["address"], "address");
      return address.has_value();
    }
    return ParseHostname(node["host"], host);
  }

  bool ParseHostname(const Node& node, std::string& host) {
    auto name = reader_.String(node, "host");
    if (!name) {
      reader_.Fail(node, "host must be a DNS name");
      return false;
    }
    if (IpAddress::Parse(*name)) {
      reader_.Fail(node, "'" + *name + "' is an address: write it as 'address:' (or 'cidr:')");
      return false;
    }
    if (!IsValidHostname(*name)) {
      reader_.Fail(node, "'" + *name + "' is not a valid host name");
      return false;
    }
    host = Lower(*name);
    return true;
  }


  void ParseTrustedNetworks(const Node& list) {
    if (!reader_.ExpectSequence(list, "trusted_networks") || !list) return;
    std::set<std::string> names;
    for (const auto& node : list) {
      if (!reader_.ExpectMap(node, "a trusted network", {"name", "https_probe", "interface_subnet"}))
        continue;
      TrustedNetwork network;
      network.where = reader_.At(node);
      auto name = reader_.String(node["name"], "name");
      if (!name || name->empty()) {
        reader_.Fail(node, "a trusted network needs a 'name'");
        continue;
      }
      network.name = *name;
      if (!names.insert(network.name).second) {
        reader_.Fail(node["name"], "duplicate trusted network name '" + network.name + "'");
        continue;
      }
      const bool has_probe = node["https_probe"].IsDefined();
      const bool has_subnet = node["interface_subnet"].IsDefined();
      if (has_probe == has_subnet) {
        reader_.Fail(node, "trusted network '" + network.name +
                               "' needs exactly one of 'https_probe' or 'interface_subnet'");
        continue;
      }
      if (has_probe) {
        network.https_probe = ParseProbe(node["https_probe"]);
        if (!network.https_probe) continue;
      } else {
        network.interface_subnet = reader_.Network(node["interface_subnet"], "interface_subnet");
        if (!network.interface_subnet) continue;
        reader_.Warn(node["interface_subnet"],
                     "trusted network '" + network.name +
                         "' is judged by address only: any network that hands out " +
                         network.interface_subnet->ToString() +
                         " is trusted (TunnelCrack LocalNet); prefer https_probe");
      }
      policy_.trusted_networks.push_back(std::move(network));
    }
  }

  // The pin proves the server holds the key, not where it is: a hostile network can relay the
  // probe's TCP connection to the real server when that server is reachable from the internet,
  // and the handshake then succeeds on the hostile network (issue 14, item 10).
  void WarnIfRelayable(const Node& url, const HttpsProbe& probe) {
    const std::string relay_note =
        ": a hostile network can relay the probe to the real server and be trusted; use a probe "
        "server reachable only from inside the trusted network (docs/SECURITY.md)";
    if (auto literal = IpAddress::Parse(probe.host)) {
      if (!IsPrivate(*literal)) {
        reader_.Warn(url, "https_probe host " + probe.host + " is a public address" + relay_note);
      }
    }
  }

  std::optional<HttpsProbe> ParseProbe(const Node& node) {
    if (!reader_.ExpectMap(node, "https_probe", {"url", "sha256"})) return std::nullopt;
    auto url = reader_.String(node["url"], "url");
    auto sha = reader_.String(node["sha256"], "sha256");
    bool ok = true;
    auto parsed = ParseHttpsUrl(url.value_or(""));
    if (!parsed) {
      reader_.Fail(node["url"].IsDefined() ? node["url"] : node,
                   "https_probe " + parsed.error().message);
      ok = false;
    } else if (!IpAddress::Parse(parsed->host) && !IsValidHostname(parsed->host)) {
      reader_.Fail(node["url"], "https_probe url host '" + parsed->host + "' is not valid");
      ok = false;
    }
    std::string pin = sha ? Lower(*sha) : "";
    for (char& c : pin) {
      if (c == ':') c = ' ';
    }
    pin.erase(std::remove(pin.begin(), pin.end(), ' '), pin.end());
    if (pin.size() != 64 || !IsHex(pin)) {
      reader_.Fail(node["sha256"].IsDefined() ? node["sha256"] : node,
                   "https_probe needs 'sha256': the 64 hex digits of the certificate's SHA-256");
      ok = false;
    }
    if (!ok) return std::nullopt;
    parsed->sha256 = pin;
    WarnIfRelayable(node["url"], *parsed);
    return *parsed;
  }

  void ParseProxies(const Node& list) {
    if (!reader_.ExpectSequence(list, "proxies") || !list) return;
    for (const auto& node : list) {
      if (!reader_.ExpectMap(node, "a proxy", {"address", "port"})) continue;
      auto address = node["address"] ? reader_.Address(node["address"], "address") : std::nullopt;
      auto port = node["port"] ? reader_.Port(node["port"], "port") : std::nullopt;
      if (!node["address"] || !node["port"]) {
        reader_.Fail(node, "a proxy needs 'address' and 'port'");
        continue;
      }
      if (!address || !port) continue;
      if (!IsPrivate(*address)) {
        reader_.Warn(node["address"], "proxy " + address->ToString() +
                                          " has a public address: reaching it proves nothing "
                                          "about being on the trusted network");
      }
      policy_.proxies.push_back({*address, *port, reader_.At(node)});
    }
  }

  void ParseExceptions(const Node& node) {
    if (!node) return;
    if (!reader_.ExpectMap(node, "exceptions", {"breakout", "captive_portal", "lan", "dns_resolvers"}))
      return;
    const Node& breakout = node["breakout"];
    if (reader_.ExpectSequence(breakout, "exceptions.breakout") && breakout) {
      std::set<std::string> seen;
      for (const auto& entry : breakout) ParseBreakout(entry, seen);
    }
    const Node& portals = node["captive_portal"];
    if (reader_.ExpectSequence(portals, "exceptions.captive_portal") && portals) {
      for (const auto& entry : portals) {
        if (!reader_.ExpectMap(entry, "a captive portal", {"host"})) continue;
        CaptivePortal portal;
        portal.where = reader_.At(entry);
        if (!entry["host"]) {
          reader_.Fail(entry, "a captive portal needs a 'host'");
          continue;
        }
        if (ParseHostname(entry["host"], portal.host)) policy_.captive_portal.push_back(portal);
      }
    }
    if (node["lan"]) {
      if (auto lan = reader_.Choice(node["lan"], "lan", {"private", "none"})) {
        policy_.lan = *lan == "private" ? LanAccess::kPrivate : LanAccess::kNone;
      }
    }
    const Node& resolvers = node["dns_resolvers"];
    if (reader_.ExpectSequence(resolvers, "exceptions.dns_resolvers") && resolvers) {
      for (const auto& entry : resolvers) {
        if (auto address = reader_.Address(entry, "a DNS resolver")) {
          policy_.dns_resolvers.push_back(*address);
        }
      }
    }
  }

  void ParseBreakout(const Node& entry, std::set<std::string>& seen) {
    if (!reader_.ExpectMap(entry, "a breakout entry", {"cidr", "host", "protocol", "ports"}))
      return;
    Breakout breakout;
    breakout.where = reader_.At(entry);
    const bool has_cidr = entry["cidr"].IsDefined();
    if (has_cidr == entry["host"].IsDefined()) {
      reader_.Fail(entry, "a breakout entry needs exactly one of 'cidr' or 'host'");
      return;
    }
    bool ok = true;
    if (has_cidr) {
      breakout.cidr = reader_.Network(entry["cidr"], "cidr");
      ok = breakout.cidr.has_value();
      if (ok && breakout.cidr->prefix_len() < 8) {
        reader_.Warn(entry["cidr"], "breakout " + breakout.cidr->ToString() +
                                        " covers a large part of the internet");
      }
    } else {
      ok = ParseHostname(entry["host"], breakout.host);
    }
    if (entry["protocol"]) {
      auto protocol = reader_.Choice(entry["protocol"], "protocol", {"tcp", "udp"});
      if (protocol) {
        breakout.protocol = *protocol == "tcp" ? Transport::kTcp : Transport::kUdp;
      } else {
        ok = false;
      }
    }
    ok = ParseBreakoutPorts(entry["ports"], breakout.ports) && ok;
    if (!ok) return;
    if (!seen.insert(breakout.Label()).second) {
      reader_.Warn(entry, "breakout " + breakout.Label() + " is listed twice");
      return;
    }
    if (!breakout.host.empty() && breakout.OpensEverything()) {
      // Before the tunnel is up the name is resolved by the network the laptop is on: a hostile
      // one picks the address, and this entry opens every port to it (issue 14, item 5).
      reader_.Warn(entry, "breakout host " + breakout.host +
                              " names no 'ports': it opens every port and protocol to whatever "
                              "address the local network's DNS gives for it before the tunnel is "
                              "up; name the ports it needs (and 'protocol') (docs/SECURITY.md)");
    }
    policy_.breakout.push_back(std::move(breakout));
  }

  // `ports: [443, 3478-3481]`: ports and inclusive ranges, merged; absent = every port.
  bool ParseBreakoutPorts(const Node& node, std::vector<PortRange>& ports) {
    if (!node) return true;
    if (!reader_.ExpectSequence(node, "ports")) return false;
    if (node.IsNull() || node.size() == 0) {
      reader_.Fail(node, "ports must list at least one port or range (omit it for every port)");
      return false;
    }
    bool ok = true;
    std::vector<PortRange> listed;
    for (const auto& item : node) {
      auto text = reader_.String(item, "a port");
      if (!text) {
        if (item.IsNull()) reader_.Fail(item, "a port must be a number N or a range N-M");
        ok = false;
        continue;
      }
      auto range = ParsePortRange(*text);
      if (!range) {
        reader_.Fail(item, range.error().message);
        ok = false;
        continue;
      }
      for (const auto& before : listed) {
        if (range->first <= before.last && before.first <= range->last) {
          reader_.Warn(item, "port " + range->ToString() + " overlaps " + before.ToString() +
                                 ", listed before");
          break;
        }
      }
      listed.push_back(*range);
    }
    ports = MergePortRanges(std::move(listed));
    return ok;
  }

  YamlReader reader_;
  Policy policy_;
};

}  // namespace

bool IsValidHostname(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (name.back() == '.') name.remove_suffix(1);
  size_t label_length = 0;
  char previous = '.';
  for (char c : name) {
    if (c == '.') {
      if (label_length == 0 || previous == '-') return false;
      label_length = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      if (label_length == 0 && c == '-') return false;
      if (++label_length > 63) return false;
    } else {
      return false;
    }
    previous = c;
  }
  return label_length > 0 && previous != '-';
}

bool IsValidInterfacePattern(std::string_view pattern) {
  if (pattern == "*" || pattern.find('*') < pattern.size() - 1) return false;
  if (!pattern.empty() && pattern.back() == '*') pattern.remove_suffix(1);
  // A pattern matches only names that can be used in rules, so it is made of their characters.
  return !InterfaceNameProblem(pattern).has_value();
}

bool IsValidLinkKind(std::string_view kind) {
  if (kind.empty() || kind.size() > 32) return false;
  return std::all_of(kind.begin(), kind.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
           c == '_' || c == '-';
  });
}

bool InterfaceMatches(std::string_view pattern, std::string_view name) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return name.substr(0, pattern.size()) == pattern;
  }
  return pattern == name;
}

Result<Policy> ParsePolicy(std::string_view text, const std::string& file_name) {
  return PolicyParser(file_name).Parse(text);
}

Result<Policy> LoadPolicyFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return text.error();
  return ParsePolicy(*text, path);
}


}  // namespace netwarden
