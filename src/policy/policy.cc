#include "policy/policy.h"

#include <pwd.h>

#include <algorithm>

namespace netwarden {

const char* TransportName(Transport transport) {
  return transport == Transport::kTcp ? "tcp" : "udp";
}

const char* VpnModeName(VpnMode mode) { return mode == VpnMode::kReport ? "report" : "enforce"; }

std::vector<uint32_t> DefaultDhcpClientUids() {
  std::vector<uint32_t> uids = {0};
  if (const passwd* entry = getpwnam("systemd-network"); entry && entry->pw_uid != 0) {
    uids.push_back(entry->pw_uid);
  }
  return uids;
}

Policy BlockAllPolicy() {
  Policy policy;
  policy.source = "(block-all)";
  policy.vpn = VpnSection{VpnMode::kEnforce, DefaultDhcpClientUids(), {}};
  return policy;
}

std::string Gateway::Label() const {
  std::string target = address ? address->ToString() : host;
  return target + " " + TransportName(protocol) + "/" + std::to_string(port);
}

std::string Breakout::Target() const { return cidr ? cidr->ToString() : host; }

std::string Breakout::Label() const {
  if (OpensEverything()) return Target();
  const std::string protocols = protocol ? TransportName(*protocol) : "tcp+udp";
  if (ports.empty()) return Target() + " " + protocols;
  return Target() + " " + protocols + "/" + PortRangesText(ports);
}

std::string Diagnostic::ToString() const {
  return MakePolicyError(where, message).ToString();
}

Result<HttpsProbe> ParseHttpsUrl(const std::string& url) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0 || url.size() == scheme.size()) {
    return MakeError(ErrorCode::kInvalidArgument, "needs a 'url' starting with https://");
  }
  HttpsProbe probe;
  probe.url = url;
  std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  if (slash != std::string::npos) {
    probe.path = rest.substr(slash);
    rest.resize(slash);
  }
  std::string port_text;
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "url has an unclosed '[' in its host");
    }
    probe.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return MakeError(ErrorCode::kInvalidArgument, "url has a bad host");
      port_text = rest.substr(close + 2);
    }
  } else {
    const auto colon = rest.find(':');
    probe.host = rest.substr(0, colon);
    if (colon != std::string::npos) port_text = rest.substr(colon + 1);
  }
  if (probe.host.empty()) return MakeError(ErrorCode::kInvalidArgument, "url has no host");
  if (!port_text.empty()) {
    int port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) {
        return MakeError(ErrorCode::kInvalidArgument, "url has a bad port '" + port_text + "'");
      }
      port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) {
      return MakeError(ErrorCode::kInvalidArgument, "url port is out of range (1..65535)");
    }
    probe.port = static_cast<uint16_t>(port);
  }
  return probe;
}

std::vector<std::string> Policy::Hostnames() const {
  std::vector<std::string> names;
  for (const auto& gateway : gateways) {
    if (!gateway.host.empty()) names.push_back(gateway.host);
  }
  for (const auto& entry : breakout) {
    if (!entry.host.empty()) names.push_back(entry.host);
  }
  for (const auto& portal : captive_portal) names.push_back(portal.host);
  for (const auto& network : trusted_networks) {
    if (network.https_probe && !IpAddress::Parse(network.https_probe->host)) {
      names.push_back(network.https_probe->host);
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace netwarden
