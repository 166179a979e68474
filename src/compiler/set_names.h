#pragma once
// Names of the forced-VPN table's sets. Per-family sets end in 4 or 6.

#include <string>

#include "core/ip.h"

namespace netwarden::set_name {

inline constexpr const char* kTunnelInterfaces = "tunnel_ifaces";
inline constexpr const char* kTrustedInterfaces = "trusted_ifaces";
inline constexpr const char* kGateways = "gateways";
inline constexpr const char* kUserGateways = "user_gateways";
inline constexpr const char* kDnsResolvers = "dns_resolvers";
inline constexpr const char* kProxies = "proxies";
inline constexpr const char* kBreakout = "breakout";
inline constexpr const char* kCaptivePortals = "captive_portals";
inline constexpr const char* kTunnelAddresses = "tunnel_addrs";
inline constexpr const char* kLan = "lan";
inline constexpr const char* kProbeEndpoints = "probes";
inline constexpr const char* kPortalWindowInterfaces = "portal_window_ifaces";

inline std::string Family(const char* base, IpFamily family) {
  return std::string(base) + (family == IpFamily::kV4 ? "4" : "6");
}

// The prefixes of breakout profile `index` (0-based): breakout_p1_4, breakout_p1_6, ...
inline std::string BreakoutProfile(size_t index, IpFamily family) {
  return Family(("breakout_p" + std::to_string(index + 1) + "_").c_str(), family);
}

}  // namespace netwarden::set_name
