#pragma once
// Where an address is: private/reserved space is classified as such (never as a country),
// public space is looked up in MaxMind-format databases (libmaxminddb) with a per-address cache.

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace netwarden::audit {

enum class AddressClass : uint8_t { kPublic, kPrivate, kReserved };

// Private: RFC 1918, ULA, link-local (core IsPrivate) and loopback. Reserved: everything else that
// is not routed on the internet (CGNAT, documentation, benchmarking, multicast, 0/8, 240/4, ...).
AddressClass ClassifyAddress(const IpAddress& address);

struct GeoInfo {
  AddressClass address_class = AddressClass::kPublic;
  std::string country;  // ISO 3166 alpha-2; empty when the database does not know
  std::string city;
  std::optional<double> latitude;
  std::optional<double> longitude;
};

// What reports show for an address's place: "JP", "private", "reserved" or "??".
std::string CountryLabel(const GeoInfo& info);

struct GeoDatabaseInfo {
  std::string path;
  std::string type;        // metadata database_type, e.g. "country ipvAll"
  std::string build_date;  // metadata build_epoch as "YYYY-MM-DD"
  bool is_city = false;
};

struct IpAddressHash {
  size_t operator()(const IpAddress& address) const;
};

class GeoLocator {
 public:
  virtual ~GeoLocator() = default;
  // The reference stays valid for the locator's lifetime (results are cached per address).
  virtual const GeoInfo& Locate(const IpAddress& address) = 0;
  virtual std::vector<GeoDatabaseInfo> Databases() const = 0;
  bool HasCoordinates() const;
};

// `country_path` may be empty (then the city databases give the country). City databases come
// one per address family (dbip-city-ipv4/-ipv6) or combined; each is used for what it holds.
Result<std::unique_ptr<GeoLocator>> OpenMmdbLocator(const std::string& country_path,
                                                    const std::vector<std::string>& city_paths);

// A fixed table, for tests and for runs without databases: longest matching prefix wins.
class StaticGeoLocator : public GeoLocator {
 public:
  void Add(const IpNetwork& network, GeoInfo info);
  const GeoInfo& Locate(const IpAddress& address) override;
  std::vector<GeoDatabaseInfo> Databases() const override { return databases_; }
  void SetDatabases(std::vector<GeoDatabaseInfo> databases) { databases_ = std::move(databases); }

 private:
  std::vector<std::pair<IpNetwork, GeoInfo>> entries_;
  std::vector<GeoDatabaseInfo> databases_;
  std::unordered_map<IpAddress, GeoInfo, IpAddressHash> cache_;
};

// The installed defaults (scripts/install.d/geoip.sh); empty strings when absent.
std::string DefaultCountryDatabase();
std::vector<std::string> DefaultCityDatabases();

}  // namespace netwarden::audit
