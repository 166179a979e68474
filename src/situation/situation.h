#pragma once
// What the machine observes right now: interfaces and addresses, which trusted networks were
// verified where, what the policy's names resolve to. The agent computes it; tests write it.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace netwarden {

struct InterfaceAddress {
  IpAddress address;
  int prefix_len = 0;
  IpNetwork Network() const { return {address, prefix_len}; }
};

struct InterfaceState {
  std::string name;
  std::vector<InterfaceAddress> addresses;
  int index = 0;  // the kernel's ifindex; 0 when not known (situation files)
  // The rtnetlink link kind (IFLA_INFO_KIND: "wireguard", "tun", "veth", "macvlan", ...; "" for
  // a device without one, such as a physical NIC). nullopt: not known (a situation file that
  // does not say); the agent always knows it.
  std::optional<std::string> kind = std::nullopt;
  bool carrier = true;  // IFF_LOWER_UP: the link has carrier (the agent re-probes when it changes)
};

struct VerifiedTrust {
  std::string network;    // a trusted_networks[].name whose probe succeeded
  std::string interface;  // on this interface
};

struct Situation {
  std::vector<InterfaceState> interfaces;
  std::vector<VerifiedTrust> verified_trusted;
  std::map<std::string, std::vector<IpAddress>> resolved;  // host name -> current addresses
  std::vector<IpAddress> dns_resolvers;                    // the system's resolvers
  bool portal_window_open = false;  // `netwarden portal --for`: HTTP/HTTPS for a captive portal
};

Result<Situation> ParseSituation(std::string_view text, const std::string& file_name);
Result<Situation> LoadSituationFile(const std::string& path);

}  // namespace netwarden
