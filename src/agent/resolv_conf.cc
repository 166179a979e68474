#include "agent/resolv_conf.h"

#include <fstream>
#include <sstream>

namespace netwarden::agent {

std::vector<IpAddress> ReadNameservers(const std::string& path) {
  std::vector<IpAddress> servers;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string keyword, value;
    if (!(words >> keyword >> value) || keyword != "nameserver") continue;
    // Drop an IPv6 zone ("fe80::1%eth0"): the address is what the firewall sees.
    if (auto percent = value.find('%'); percent != std::string::npos) value.resize(percent);
    if (auto address = IpAddress::Parse(value)) servers.push_back(*address);
  }
  return servers;
}

}  // namespace netwarden::agent
