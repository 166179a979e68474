#include <array>
#include <cstring>

#include "audit/geo.h"

namespace netwarden::audit {

namespace {

const std::vector<IpNetwork>& ReservedNetworks() {
  static const std::vector<IpNetwork> kNetworks = [] {
    std::vector<IpNetwork> networks;
    for (const char* text :
         {"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
          "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "::/128",
          "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "ff00::/8", "2001::/23"}) {
      networks.push_back(*IpNetwork::Parse(text));
    }
    return networks;
  }();
  return kNetworks;
}

}  // namespace

AddressClass ClassifyAddress(const IpAddress& address) {
  if (IsPrivate(address)) return AddressClass::kPrivate;
  static const IpNetwork kLoopback4 = *IpNetwork::Parse("127.0.0.0/8");
  static const IpNetwork kLoopback6 = *IpNetwork::Parse("::1/128");
  if (kLoopback4.Contains(address) || kLoopback6.Contains(address)) return AddressClass::kPrivate;
  for (const auto& network : ReservedNetworks()) {
    if (network.Contains(address)) return AddressClass::kReserved;
  }
  return AddressClass::kPublic;
}

std::string CountryLabel(const GeoInfo& info) {
  switch (info.address_class) {
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kReserved:
      return "reserved";
    case AddressClass::kPublic:
      break;
  }
  return info.country.empty() ? "??" : info.country;
}

bool GeoLocator::HasCoordinates() const {
  for (const auto& database : Databases()) {
    if (database.is_city) return true;
  }
  return false;
}

void StaticGeoLocator::Add(const IpNetwork& network, GeoInfo info) {
  entries_.emplace_back(network, std::move(info));
}

size_t IpAddressHash::operator()(const IpAddress& address) const {
  const auto& bytes = address.bytes();
  uint64_t high = 0;
  uint64_t low = 0;
  std::memcpy(&high, bytes.data(), 8);
  std::memcpy(&low, bytes.data() + 8, 8);
  return std::hash<uint64_t>()(high * 0x9E3779B97F4A7C15ULL ^ low ^
                               static_cast<uint64_t>(address.family()));
}

const GeoInfo& StaticGeoLocator::Locate(const IpAddress& address) {
  if (auto cached = cache_.find(address); cached != cache_.end()) return cached->second;
  GeoInfo result;
  result.address_class = ClassifyAddress(address);
  if (result.address_class != AddressClass::kPublic)
    return cache_.emplace(address, result).first->second;
  int best = -1;
  for (const auto& [network, info] : entries_) {
    if (network.Contains(address) && network.prefix_len() > best) {
      best = network.prefix_len();
      result = info;
      result.address_class = AddressClass::kPublic;
    }
  }
  return cache_.emplace(address, std::move(result)).first->second;
}

}  // namespace netwarden::audit
