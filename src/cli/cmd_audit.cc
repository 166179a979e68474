#include <iostream>

#include "audit/audit_run.h"
#include "cli/command.h"

namespace netwarden::cli {

namespace {

struct AuditFlags {
  audit::AuditOptions options;
  std::string format;
  std::string country_db;
  std::vector<std::string> city_dbs;
  std::vector<std::string> disabled;
  int year = 0;
};

}  // namespace

void RegisterAuditCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<AuditFlags>();
  auto& o = flags->options;
  auto& d = o.detectors;
  auto* command = app.add_subcommand("audit", "Audit VPN gateway logs for account misuse");
  command->add_option("logs", o.inputs, "Log files (plain or .gz); '-' or none: standard input");
  command->add_option("--format", flags->format,
                      "f5, asa, fortigate, globalprotect, openvpn, openvpn-status, ocserv, pulse "
                      "(default: detected per file)");
  command->add_option("--tz", o.time_zone,
                      "IANA time zone of timestamps without an offset, and of the day boundary "
                      "(default: the machine's)");
  command->add_option("--year", flags->year, "Year of the first line for headers without one");
  command->add_option("--home", o.home_country, "Home country (ISO code, e.g. JP)");
  command->add_option("--geoip", flags->country_db, "Country database (.mmdb)");
  command->add_option("--city-db", flags->city_dbs,
                      "City database(s) with coordinates (.mmdb; one per address family)");
  command->add_flag("--no-geo", o.no_geo, "Do not geolocate");
  command->add_option("--allow-list", o.allow_list,
                      "File of allowed travel / corporate egress addresses (CIDR per line)");
  command->add_option("--disable", flags->disabled, "Switch a rule off (repeatable)");
  command
      ->add_option("--same-day-medium", d.same_day_medium_at,
                   "Same-day days per user for medium severity")
      ->capture_default_str();
  command
      ->add_option("--same-day-high", d.same_day_high_at,
                   "Same-day days per user for high severity")
      ->capture_default_str();
  command->add_option("--travel-kmh", d.travel_max_kmh, "Impossible-travel speed")
      ->capture_default_str();
  command->add_option("--travel-min-km", d.travel_min_km, "Impossible-travel minimum distance")
      ->capture_default_str();
  command->add_option("--new-country-days", d.new_country_days, "New-country look-back days")
      ->capture_default_str();
  command->add_option("--spray-users", d.spray_min_users, "Password-spray distinct users")
      ->capture_default_str();
  command->add_option("--spray-window", d.spray_window_minutes, "Password-spray window (minutes)")
      ->capture_default_str();
  command
      ->add_option("--failures", d.failures_before_success,
                   "Failures before a success (failures-then-success)")
      ->capture_default_str();
  command->add_option("--json", o.json_path, "Write findings as JSON lines");
  command->add_option("--csv", o.csv_path, "Write sessions as CSV");
  command->add_option("--report", o.report_path, "Write a self-contained HTML report");
  command->add_option("--examples", o.max_examples, "Unparsed example lines shown per file")
      ->capture_default_str();

  command->callback([flags, &exit_code] {
    auto& options = flags->options;
    if (!flags->format.empty()) {
      options.format = audit::LogFormatFromName(flags->format);
      if (!options.format) {
        std::cerr << "netwarden audit: unknown --format '" << flags->format << "'\n";
        exit_code = kExitBadInput;
        return;
      }
    }
    for (const auto& rule : flags->disabled) {
      if (!options.detectors.SetEnabled(rule, false)) {
        std::cerr << "netwarden audit: unknown rule '" << rule << "'\n";
        exit_code = kExitBadInput;
        return;
      }
    }
    if (flags->year != 0) options.year = flags->year;
    if (!flags->country_db.empty()) options.country_db = flags->country_db;
    if (!flags->city_dbs.empty()) options.city_dbs = flags->city_dbs;
    for (char& c : options.home_country) c = static_cast<char>(std::toupper(c));
    auto outcome = audit::RunAudit(options, std::cout);
    if (!outcome) {
      std::cerr << "netwarden audit: " << outcome.error().ToString() << "\n";
      exit_code = outcome.error().code == ErrorCode::kIo ? kExitFailure : kExitBadInput;
      return;
    }
    exit_code = kExitOk;
  });
}

}  // namespace netwarden::cli
