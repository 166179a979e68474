#pragma once
// Local civil time <-> UTC for one IANA zone. g++ 12's libstdc++ has no std::chrono::tzdb, so
// this goes through glibc (mktime / localtime_r) with TZ pointed at the zone. TZ is process-wide:
// conversions switch it to their zone when another is active, so the audit is single-threaded by
// design. Results are cached per 15-minute bucket, which is exact for every zone whose offset
// changes only on quarter hours (all of the current tz database).

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "audit/civil_time.h"
#include "core/result.h"

namespace netwarden::audit {

class TimeZone {
 public:
  // `name`: an IANA zone ("Asia/Tokyo", "UTC"); empty selects the machine's zone.
  static Result<TimeZone> Load(std::string_view name);
  static std::string MachineZoneName();

  const std::string& name() const { return name_; }
  // `local.year` must be set.
  int64_t ToUtc(const CivilTime& local) const;
  int UtcOffsetAt(int64_t unix_seconds) const;  // seconds east of UTC
  // Days since the epoch of the local calendar day containing `unix_seconds`.
  int64_t LocalDay(int64_t unix_seconds) const;
  CivilTime ToLocal(int64_t unix_seconds) const;

 private:
  explicit TimeZone(std::string name) : name_(std::move(name)) {}
  void Activate() const;

  std::string name_;
  mutable std::unordered_map<int64_t, int64_t> local_bucket_to_utc_;
  // Consecutive lines mostly fall in one bucket: the last one answers without hashing.
  mutable int64_t last_local_bucket_ = INT64_MIN;
  mutable int64_t last_local_bucket_utc_ = 0;
  mutable int64_t last_utc_bucket_ = INT64_MIN;
  mutable int last_utc_bucket_offset_ = 0;
  mutable std::unordered_map<int64_t, int> utc_bucket_to_offset_;
};

// Turns the timestamps of one file into UTC: applies the zone when the line states no offset,
// and supplies the year to headers without one (`--year` for the first line, then rolling over
// at New Year; without it, the year that puts the line at most a day ahead of `now`).
class TimeResolver {
 public:
  TimeResolver(const TimeZone& zone, std::optional<int> year, int64_t now);
  int64_t Resolve(const LoggedTime& logged);

 private:
  int YearFor(int month);

  const TimeZone& zone_;
  std::optional<int> fixed_year_;
  int64_t now_;
  int current_year_ = 0;
  int last_month_ = 0;
};

}  // namespace netwarden::audit
