#include "audit/time_zone.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace netwarden::audit {

namespace {

constexpr int64_t kBucketSeconds = 900;

int64_t FloorDiv(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

std::filesystem::path ZoneInfoDir() {
  const char* dir = std::getenv("TZDIR");
  return dir && *dir ? dir : "/usr/share/zoneinfo";
}

bool IsZoneFile(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) return false;
  std::ifstream in(ZoneInfoDir() / name, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::string_view(magic, 4) == "TZif";
}

}  // namespace

std::string TimeZone::MachineZoneName() {
  if (const char* tz = std::getenv("TZ"); tz && *tz && IsZoneFile(tz)) return tz;
  std::error_code error;
  auto target = std::filesystem::read_symlink("/etc/localtime", error);
  if (!error) {
    std::string text = target.string();
    auto at = text.find("zoneinfo/");
    if (at != std::string::npos && IsZoneFile(text.substr(at + 9))) return text.substr(at + 9);
  }
  std::ifstream timezone_file("/etc/timezone");
  std::string name;
  if (timezone_file >> name && IsZoneFile(name)) return name;
  return "UTC";
}

Result<TimeZone> TimeZone::Load(std::string_view name) {
  std::string zone = name.empty() ? MachineZoneName() : std::string(name);
  // glibc silently treats an unknown TZ as UTC, so check the name against the database first.
  if (zone != "UTC" && !IsZoneFile(zone)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown time zone '" + zone + "' (expected an IANA name such as Asia/Tokyo)");
  }
  return TimeZone(zone);
}

void TimeZone::Activate() const {
  const char* current = std::getenv("TZ");
  if (current && name_ == current) return;
  setenv("TZ", name_.c_str(), 1);
  tzset();
}

int64_t TimeZone::ToUtc(const CivilTime& local) const {
  int bucket_minute = local.minute / 15 * 15;
  int64_t key =
      DaysFromCivil(local.year, local.month, local.day) * 96 + local.hour * 4 + bucket_minute / 15;
  if (key == last_local_bucket_) {
    return last_local_bucket_utc_ + (local.minute - bucket_minute) * 60 + local.second;
  }
  auto found = local_bucket_to_utc_.find(key);
  if (found == local_bucket_to_utc_.end()) {
    Activate();
    std::tm fields{};
    fields.tm_year = local.year - 1900;
    fields.tm_mon = local.month - 1;
    fields.tm_mday = local.day;
    fields.tm_hour = local.hour;
    fields.tm_min = bucket_minute;
    fields.tm_isdst = -1;
    found = local_bucket_to_utc_.emplace(key, static_cast<int64_t>(std::mktime(&fields))).first;
  }
  last_local_bucket_ = key;
  last_local_bucket_utc_ = found->second;
  return found->second + (local.minute - bucket_minute) * 60 + local.second;
}

int TimeZone::UtcOffsetAt(int64_t unix_seconds) const {
  int64_t key = FloorDiv(unix_seconds, kBucketSeconds);
  if (key == last_utc_bucket_) return last_utc_bucket_offset_;
  auto found = utc_bucket_to_offset_.find(key);
  if (found == utc_bucket_to_offset_.end()) {
    Activate();
    std::time_t at = static_cast<std::time_t>(key * kBucketSeconds);
    std::tm fields{};
    localtime_r(&at, &fields);
    found = utc_bucket_to_offset_.emplace(key, static_cast<int>(fields.tm_gmtoff)).first;
  }
  last_utc_bucket_ = key;
  last_utc_bucket_offset_ = found->second;
  return found->second;
}

int64_t TimeZone::LocalDay(int64_t unix_seconds) const {
  return FloorDiv(unix_seconds + UtcOffsetAt(unix_seconds), 86400);
}

CivilTime TimeZone::ToLocal(int64_t unix_seconds) const {
  return CivilFromUnix(unix_seconds + UtcOffsetAt(unix_seconds));
}

TimeResolver::TimeResolver(const TimeZone& zone, std::optional<int> year, int64_t now)
    : zone_(zone), fixed_year_(year), now_(now) {}

int TimeResolver::YearFor(int month) {
  if (last_month_ == 0) {
    if (fixed_year_) {
      current_year_ = *fixed_year_;
    } else {
      current_year_ = zone_.ToLocal(now_).year;
      CivilTime probe{current_year_, month, 1, 0, 0, 0};
      if (zone_.ToUtc(probe) > now_ + 86400) --current_year_;
    }
    last_month_ = month;
    return current_year_;
  }
  if (last_month_ - month > 6) {  // December -> January: a new year began
    ++current_year_;
  } else if (month - last_month_ > 6) {  // a late line from before New Year
    return current_year_ - 1;
  }
  last_month_ = month;
  return current_year_;
}

int64_t TimeResolver::Resolve(const LoggedTime& logged) {
  CivilTime civil = logged.civil;
  if (civil.year == 0) civil.year = YearFor(civil.month);
  if (logged.utc_offset_seconds) return UnixFromCivilUtc(civil) - *logged.utc_offset_seconds;
  return zone_.ToUtc(civil);
}

}  // namespace netwarden::audit
