#include "audit/civil_time.h"

#include <cstdio>

#include "audit/text_util.h"

namespace netwarden::audit {

int64_t DaysFromCivil(int year, int month, int day) {
  int64_t y = year - (month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t year_of_era = y - era * 400;
  int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

CivilTime CivilFromUnix(int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400;
  int64_t rest = unix_seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t day_of_era = days - era * 146097;
  int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t mp = (5 * day_of_year + 2) / 153;
  CivilTime civil;
  civil.day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  civil.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  civil.year = static_cast<int>(year_of_era + era * 400 + (civil.month <= 2 ? 1 : 0));
  civil.hour = static_cast<int>(rest / 3600);
  civil.minute = static_cast<int>(rest / 60 % 60);
  civil.second = static_cast<int>(rest % 60);
  return civil;
}

int64_t UnixFromCivilUtc(const CivilTime& civil) {
  return DaysFromCivil(civil.year, civil.month, civil.day) * 86400 + civil.hour * 3600 +
         civil.minute * 60 + civil.second;
}

std::string FormatDay(int64_t day_number) {
  CivilTime civil = CivilFromUnix(day_number * 86400);
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02d", civil.year, civil.month, civil.day);
  return buffer;
}

std::string FormatCivil(const CivilTime& civil) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d", civil.year, civil.month,
                civil.day, civil.hour, civil.minute, civil.second);
  return buffer;
}

namespace {

bool ConsumeDigits(std::string_view& text, size_t count, int& out) {
  if (text.size() < count) return false;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  text.remove_prefix(count);
  out = value;
  return true;
}

bool ConsumeChar(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}

bool Valid(const CivilTime& civil) {
  return civil.month >= 1 && civil.month <= 12 && civil.day >= 1 && civil.day <= 31 &&
         civil.hour <= 23 && civil.minute <= 59 && civil.second <= 60;
}

bool ConsumeClock(std::string_view& text, CivilTime& out) {
  return ConsumeDigits(text, 2, out.hour) && ConsumeChar(text, ':') &&
         ConsumeDigits(text, 2, out.minute) && ConsumeChar(text, ':') &&
         ConsumeDigits(text, 2, out.second);
}

int MonthFromAbbrev(std::string_view text) {
  // Every syslog line starts with one: three bytes compared as one number, not twelve strings.
  static constexpr char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (text.size() != 3) return 0;
  auto packed = [](const char* p) {
    return static_cast<uint32_t>(static_cast<unsigned char>(p[0])) << 16 |
           static_cast<uint32_t>(static_cast<unsigned char>(p[1])) << 8 |
           static_cast<uint32_t>(static_cast<unsigned char>(p[2]));
  };
  uint32_t wanted = packed(text.data());
  for (int i = 0; i < 12; ++i) {
    if (packed(kMonths + 3 * i) == wanted) return i + 1;
  }
  return 0;
}

}  // namespace

std::optional<int64_t> ParseDay(std::string_view text) {
  CivilTime civil;
  if (!ConsumeDigits(text, 4, civil.year) || !ConsumeChar(text, '-') ||
      !ConsumeDigits(text, 2, civil.month) || !ConsumeChar(text, '-') ||
      !ConsumeDigits(text, 2, civil.day) || !text.empty() || !Valid(civil)) {
    return std::nullopt;
  }
  return DaysFromCivil(civil.year, civil.month, civil.day);
}

bool ConsumeSyslogTime(std::string_view& text, CivilTime& out) {
  std::string_view rest = text;
  if (rest.size() < 15) return false;
  CivilTime civil;
  civil.month = MonthFromAbbrev(rest.substr(0, 3));
  if (civil.month == 0 || rest[3] != ' ') return false;
  rest.remove_prefix(4);
  if (rest.front() == ' ') rest.remove_prefix(1);  // "Jan  2"
  if (!ConsumeDigits(rest, 2, civil.day) && !ConsumeDigits(rest, 1, civil.day)) return false;
  if (!ConsumeChar(rest, ' ')) return false;
  std::string_view with_year = rest;
  if (ConsumeDigits(with_year, 4, civil.year) && ConsumeChar(with_year, ' ')) {
    rest = with_year;
  } else {
    civil.year = 0;
  }
  if (!ConsumeClock(rest, civil) || !Valid(civil)) return false;
  if (!rest.empty() && rest.front() == '.') {  // sub-second precision
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') rest.remove_prefix(1);
  }
  out = civil;
  text = rest;
  return true;
}

bool ConsumeIsoTime(std::string_view& text, LoggedTime& out) {
  std::string_view rest = text;
  LoggedTime parsed;
  CivilTime& civil = parsed.civil;
  if (!ConsumeDigits(rest, 4, civil.year)) return false;
  char separator = rest.empty() ? '\0' : rest.front();
  if (separator != '-' && separator != '/') return false;
  rest.remove_prefix(1);
  if (!ConsumeDigits(rest, 2, civil.month) || !ConsumeChar(rest, separator) ||
      !ConsumeDigits(rest, 2, civil.day)) {
    return false;
  }
  if (!ConsumeChar(rest, 'T') && !ConsumeChar(rest, ' ')) return false;
  if (!ConsumeClock(rest, civil) || !Valid(civil)) return false;
  if (ConsumeChar(rest, '.')) {
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') rest.remove_prefix(1);
  }
  if (ConsumeChar(rest, 'Z')) {
    parsed.utc_offset_seconds = 0;
  } else if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
    int sign = rest.front() == '-' ? -1 : 1;
    std::string_view offset = rest.substr(1);
    int hours = 0;
    int minutes = 0;
    if (ConsumeDigits(offset, 2, hours)) {
      ConsumeChar(offset, ':');
      if (ConsumeDigits(offset, 2, minutes) && hours <= 14 && minutes < 60) {
        parsed.utc_offset_seconds = sign * (hours * 3600 + minutes * 60);
        rest = offset;
      }
    }
  }
  out = parsed;
  text = rest;
  return true;
}

bool ConsumeZoneAbbreviation(std::string_view& text, int& offset_seconds) {
  struct Zone {
    std::string_view name;
    int minutes;
  };
  static constexpr Zone kZones[] = {
      {"UTC", 0},     {"GMT", 0},     {"UT", 0},     {"Z", 0},      {"WET", 0},    {"WEST", 60},
      {"CET", 60},    {"MET", 60},    {"CEST", 120}, {"MEST", 120}, {"EET", 120},  {"EEST", 180},
      {"MSK", 180},   {"GST", 240},   {"PKT", 300},  {"ICT", 420},  {"WIB", 420},  {"HKT", 480},
      {"SGT", 480},   {"AWST", 480},  {"PHT", 480},  {"JST", 540},  {"KST", 540},  {"ACST", 570},
      {"ACDT", 630},  {"AEST", 600},  {"AEDT", 660}, {"NZST", 720}, {"NZDT", 780}, {"EST", -300},
      {"EDT", -240},  {"CDT", -300},  {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420},
      {"AKST", -540}, {"AKDT", -480}, {"HST", -600}, {"BRT", -180}, {"ART", -180}, {"NST", -210},
      {"NDT", -150},  {"AST", -240},  {"ADT", -180},
  };
  if (text.size() < 2 || text.front() != ' ') return false;
  std::string_view word = text.substr(1);
  size_t length = 0;
  while (length < word.size() && word[length] >= 'A' && word[length] <= 'Z') ++length;
  if (length == 0 || length > 4) return false;
  if (length < word.size() && word[length] != ':' && word[length] != ' ') return false;
  for (const Zone& zone : kZones) {
    if (zone.name == word.substr(0, length)) {
      offset_seconds = zone.minutes * 60;
      text.remove_prefix(1 + length);
      return true;
    }
  }
  return false;
}

bool ConsumeHeaderTime(std::string_view& text, LoggedTime& out) {
  std::string_view rest = text;
  if (!rest.empty() && rest.front() == '<') {
    auto close = rest.find('>');
    if (close == std::string_view::npos || close > 4) return false;
    rest.remove_prefix(close + 1);
    ConsumePrefix(rest, "1 ");  // RFC 5424 version
    ConsumePrefix(rest, ":");   // Cisco: "<166>:Jan 02 2024 ..."
  }
  ConsumePrefix(rest, "*");  // Cisco: a clock not set by NTP
  LoggedTime parsed;
  if (ConsumeSyslogTime(rest, parsed.civil) || ConsumeIsoTime(rest, parsed)) {
    int offset = 0;
    if (!parsed.utc_offset_seconds && ConsumeZoneAbbreviation(rest, offset)) {
      parsed.utc_offset_seconds = offset;
    }
    out = parsed;
    text = rest;
    return true;
  }
  return false;
}

}  // namespace netwarden::audit
