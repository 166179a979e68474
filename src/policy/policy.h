#pragma once
// The user's desired state, as written in the policy file. Every element remembers where it was
// written so that `check`, `explain` and events can point at the line that decided.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"
#include "policy/apps_policy.h"
#include "policy/port_range.h"
#include "policy/threats_policy.h"

namespace netwarden {

enum class Transport : uint8_t { kTcp, kUdp };
const char* TransportName(Transport transport);

struct Gateway {
  std::string host;                  // a name the agent resolves, or empty
  std::optional<IpAddress> address;  // a fixed address, or empty
  Transport protocol = Transport::kUdp;
  uint16_t port = 0;
  std::optional<uint32_t> uid;  // only this user's sockets may use the exception
  std::string program;          // only this executable may use it (app firewall), or empty
  SourceLocation where;

  std::string Label() const;  // "vpn.example.net udp/51820"
};

struct HttpsProbe {
  std::string url;
  std::string sha256;  // lower-case hex of the server certificate (DER)
  std::string host;    // from the URL: an address literal or a name the agent resolves
  uint16_t port = 443;
  std::string path = "/";
};

// Splits "https://host[:port][/path]" (IPv6 literals in brackets). Only https is accepted.
Result<HttpsProbe> ParseHttpsUrl(const std::string& url);

struct TrustedNetwork {
  std::string name;
  std::optional<HttpsProbe> https_probe;      // authenticated: TLS + certificate pin
  std::optional<IpNetwork> interface_subnet;  // weak: judged by the interface's address
  SourceLocation where;
};

struct Proxy {
  IpAddress address;
  uint16_t port = 0;
  SourceLocation where;
};

// A destination reachable outside the tunnel: a prefix or a name, and optionally only some of its
// protocols and ports (`protocol:`, `ports:`, like a gateway's). Without either it opens every
// protocol and port, which for a name is whatever address the local network's DNS picks.
struct Breakout {
  std::optional<IpNetwork> cidr;
  std::string host;
  std::optional<Transport> protocol;  // only this one; nullopt: tcp and udp (or all, see below)
  std::vector<PortRange> ports;       // destination ports, merged; empty: every port
  SourceLocation where;

  // Neither protocol nor ports named: every protocol (ICMP too) and every port.
  bool OpensEverything() const { return !protocol && ports.empty(); }
  std::string Target() const;  // "52.112.0.0/14" or "meet.example.com"
  // "meet.example.com", "teams.example.com udp/3478-3481", "192.0.2.0/24 tcp+udp/443"
  std::string Label() const;
};

struct CaptivePortal {
  std::string host;
  SourceLocation where;
};

enum class LanAccess : uint8_t { kPrivate, kNone };

// `vpn: {mode: ...}`: `report` blocks nothing of the forced VPN's; what it would block is logged.
enum class VpnMode : uint8_t { kEnforce, kReport };
const char* VpnModeName(VpnMode mode);

// The `vpn:` section. Its presence is what turns the forced VPN on (`apps:` or `threat_feeds:`
// alone enforce only their own plane); gateways and tunnel interfaces stay in Policy.
struct VpnSection {
  VpnMode mode = VpnMode::kEnforce;
  // Owners of the sockets that may send DHCP client requests (`vpn.dhcp_client_users`; default
  // DefaultDhcpClientUids()). Anybody else's packet from port 68 (546) to 67 (547) is refused.
  std::vector<uint32_t> dhcp_client_uids;
  SourceLocation where;
};

// root, and systemd-networkd's `systemd-network` user when this machine has one (resolved now,
// at policy load).
std::vector<uint32_t> DefaultDhcpClientUids();

struct Diagnostic {
  SourceLocation where;
  std::string message;
  std::string ToString() const;
};

struct Policy {
  std::string source;  // the file it came from
  int version = 1;
  std::optional<VpnSection> vpn;  // present = the forced VPN is enforced (or reported)
  std::vector<Gateway> gateways;
  std::vector<std::string> tunnel_interfaces;  // glob patterns
  // Link kinds a tunnel interface may have (IFLA_INFO_KIND): a veth or macvlan named like the
  // tunnel is not the tunnel. wireguard-go and OpenVPN (tun and tap) create "tun" devices.
  std::vector<std::string> tunnel_kinds = {"wireguard", "tun"};
  std::vector<TrustedNetwork> trusted_networks;
  std::vector<Proxy> proxies;
  std::vector<Breakout> breakout;
  std::vector<CaptivePortal> captive_portal;
  LanAccess lan = LanAccess::kNone;
  std::vector<IpAddress> dns_resolvers;  // direct DNS for uid 0 (the agent's own lookups)
  AppsPolicy apps;                       // per-program rules
  ThreatPolicy threats;                  // IP-reputation feeds (threat_feeds, inspection)
  std::vector<Diagnostic> warnings;      // accepted, but worth telling the author

  // Every DNS name the agent has to resolve (gateways, breakout, captive portals), sorted, unique.
  std::vector<std::string> Hostnames() const;
};

// What to enforce when there is no valid policy (missing or refused): the forced VPN with no
// exceptions — only loopback, DHCP and neighbour discovery leave. The agent's fail-closed state.
Policy BlockAllPolicy();

}  // namespace netwarden
