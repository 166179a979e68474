#pragma once
// Calendar arithmetic and the timestamp shapes found in VPN logs. No time zone here: see
// time_zone.h for turning a local civil time into UTC.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace netwarden::audit {

struct CivilTime {
  int year = 0;  // 0: the log line carries no year (classic syslog header)
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

// A timestamp as written in a line: civil fields and, when the line states it, its UTC offset.
struct LoggedTime {
  CivilTime civil;
  std::optional<int> utc_offset_seconds;
};

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int year, int month, int day);
CivilTime CivilFromUnix(int64_t unix_seconds);
int64_t UnixFromCivilUtc(const CivilTime& civil);

// "YYYY-MM-DD" of a day number (days since the epoch).
std::string FormatDay(int64_t day_number);
// "YYYY-MM-DDTHH:MM:SS" of a civil time.
std::string FormatCivil(const CivilTime& civil);
// "YYYY-MM-DD" -> day number.
std::optional<int64_t> ParseDay(std::string_view text);

// Parsers below consume what they recognise from the front of `text`.
// "Mmm dd HH:MM:SS" and Cisco's "Mmm dd YYYY HH:MM:SS".
bool ConsumeSyslogTime(std::string_view& text, CivilTime& out);
// "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|+HH:MM|+HHMM]" and "YYYY/MM/DD HH:MM:SS".
bool ConsumeIsoTime(std::string_view& text, LoggedTime& out);
// " UTC", " CET", ... after a device timestamp (Cisco "logging timestamp" with "clock timezone"):
// the offset of an unambiguous abbreviation. Ambiguous ones (IST, CST, BST) are left unconsumed, so
// the time stays local to --tz.
bool ConsumeZoneAbbreviation(std::string_view& text, int& offset_seconds);
// A syslog line's header timestamp: optional "<PRI>" (and ":"), optional RFC 5424 version, then
// either shape above, then an optional zone abbreviation.
bool ConsumeHeaderTime(std::string_view& text, LoggedTime& out);

}  // namespace netwarden::audit
