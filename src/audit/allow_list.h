#pragma once
// Known travel and corporate egress addresses: one address or CIDR per line, "#" comments,
// optionally followed by a note ("203.0.113.0/24  # Osaka office"). Allow-listed sources do not
// count as a place for the geographic rules nor as a second address for concurrent sessions.

#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace netwarden::audit {

class AllowList {
 public:
  static Result<AllowList> Load(const std::string& path);
  static Result<AllowList> Parse(std::string_view text, const std::string& origin);
  bool Contains(const IpAddress& address) const;
  size_t size() const { return networks_.size(); }

 private:
  std::vector<IpNetwork> networks_;
};

}  // namespace netwarden::audit
