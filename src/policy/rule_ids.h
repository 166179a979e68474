#pragma once
// Stable names of the forced-VPN rules. They appear in `explain` output, in the kernel ruleset's
// comments and log prefixes, and in events: tests and users depend on them, so extend, don't rename.

namespace netwarden::rule_id {

inline constexpr const char* kLoopback = "loopback";
inline constexpr const char* kEstablished = "established";
inline constexpr const char* kDhcp = "dhcp";
inline constexpr const char* kNdp = "ndp";
inline constexpr const char* kTunnel = "tunnel";
inline constexpr const char* kTrusted = "trusted";
inline constexpr const char* kInspection = "inspection";
inline constexpr const char* kGateway = "gateway";
inline constexpr const char* kTrustProbe = "trust-probe";
inline constexpr const char* kDnsResolver = "dns-resolver";
inline constexpr const char* kPortalWindow = "portal-window";
inline constexpr const char* kDnsBlock = "dns-block";
inline constexpr const char* kProxy = "proxy";
inline constexpr const char* kBreakout = "breakout";
inline constexpr const char* kCaptivePortal = "captive-portal";
inline constexpr const char* kLan = "lan";
inline constexpr const char* kTunnelAddressGuard = "tunnel-address-guard";
inline constexpr const char* kDefaultBlock = "default-block";

}  // namespace netwarden::rule_id
