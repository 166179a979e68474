#include <iostream>
#include <memory>

#include "audit/audit_run.h"
#include "audit/civil_time.h"
#include "audit/serve/audit_serve.h"
#include "cli/command.h"

namespace netwarden::cli {

namespace {

struct AuditFlags {
  audit::AuditOptions options;
  std::string format;
  std::string country_db;
  std::vector<std::string> city_dbs;
  std::vector<std::string> disabled;
  std::string from;
  std::string to;
  std::string listen = "127.0.0.1:8080";
  std::vector<std::string> allow_hosts;  // audit serve --allow-host
  int year = 0;
};

// Options that both `audit` and `audit serve` take: time, geography and the rules.
void AddAnalysisOptions(CLI::App* command, AuditFlags& flags) {
  auto& o = flags.options;
  auto& d = o.detectors;
  command->add_option("--tz", o.time_zone,
                      "IANA time zone of timestamps without an offset, and of the day boundary "
                      "(default: the machine's)");
  command->add_option("--home", o.home_country, "Home country (ISO code, e.g. JP)");
  command->add_option("--geoip", flags.country_db, "Country database (.mmdb)");
  // One value per occurrence, so that a repeated option never swallows the log files.
  command
      ->add_option("--city-db", flags.city_dbs,
                   "City database(s) with coordinates (.mmdb; one per address family; repeatable)")
      ->allow_extra_args(false);
  command->add_flag("--no-geo", o.no_geo, "Do not geolocate");
  command->add_option("--allow-list", o.allow_list,
                      "File of allowed travel / corporate egress addresses (CIDR per line)");
  command->add_option("--db", o.db_path, "SQLite history database (ingested incrementally)");
  command->add_option("--disable", flags.disabled, "Switch a rule off (repeatable)")
      ->allow_extra_args(false);
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
}

// Turns the textual flags into options; false (after saying why) when one is unusable.
bool Finish(AuditFlags& flags) {
  auto& options = flags.options;
  if (!flags.format.empty()) {
    options.format = audit::LogFormatFromName(flags.format);
    if (!options.format) {
      std::cerr << "netwarden audit: unknown --format '" << flags.format << "'\n";
      return false;
    }
  }
  for (const auto& rule : flags.disabled) {
    if (!options.detectors.SetEnabled(rule, false)) {
      std::cerr << "netwarden audit: unknown rule '" << rule << "'\n";
      return false;
    }
  }
  for (auto [text, day] :
       {std::pair{&flags.from, &options.from_day}, std::pair{&flags.to, &options.to_day}}) {
    if (text->empty()) continue;
    *day = audit::ParseDay(*text);
    if (!*day) {
      std::cerr << "netwarden audit: '" << *text << "' is not a date (YYYY-MM-DD)\n";
      return false;
    }
  }
  if (flags.year != 0) options.year = flags.year;
  if (!flags.country_db.empty()) options.country_db = flags.country_db;
  if (!flags.city_dbs.empty()) options.city_dbs = flags.city_dbs;
  for (char& c : options.home_country) c = static_cast<char>(std::toupper(c));
  for (char& c : options.country_filter) c = static_cast<char>(std::toupper(c));
  return true;
}

int ExitCodeOf(const Error& error) {
  std::cerr << "netwarden audit: " << error.ToString() << "\n";
  return error.code == ErrorCode::kIo || error.code == ErrorCode::kUnsupported ? kExitFailure
                                                                               : kExitBadInput;
}

}  // namespace

void RegisterAuditCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<AuditFlags>();
  auto& o = flags->options;
  auto* command = app.add_subcommand("audit", "Audit VPN gateway logs for account misuse");
  command->add_option("logs", o.inputs, "Log files (plain or .gz); '-' or none: standard input");
  command->add_option("--format", flags->format,
                      "f5, asa, fortigate, globalprotect, openvpn, openvpn-status, ocserv, pulse "
                      "(default: detected per file)");
  command->add_option("--year", flags->year, "Year of the first line for headers without one");
  AddAnalysisOptions(command, *flags);
  command->add_option("--from", flags->from, "First local day analysed (YYYY-MM-DD)");
  command->add_option("--to", flags->to, "Last local day analysed (YYYY-MM-DD)");
  command->add_option("--user", o.user_filter, "Only users whose name contains this");
  command->add_option("--country", o.country_filter,
                      "Only users with a session from this country (ISO code)");
  command->add_option("--source", o.source_filter,
                      "Only users with a session from this address or CIDR");
  command->add_option("--json", o.json_path, "Write findings as JSON lines");
  command->add_option("--csv", o.csv_path, "Write sessions as CSV");
  command->add_option("--report", o.report_path, "Write a self-contained HTML report");
  command->add_option("--examples", o.max_examples, "Unparsed example lines shown per file")
      ->capture_default_str();

  auto serve_flags = std::make_shared<AuditFlags>();
  auto* serve = command->add_subcommand(
      "serve",
      "Serve the report live from a history database (search by user, dates, country, "
      "source address)");
  AddAnalysisOptions(serve, *serve_flags);
  serve->add_option("--listen", serve_flags->listen, "HOST:PORT (port 0: any free port)")
      ->capture_default_str();
  serve
      ->add_option("--allow-host", serve_flags->allow_hosts,
                   "Host name the served page may be reached by besides the listen address and "
                   "localhost (e.g. behind a reverse proxy; repeatable)")
      ->allow_extra_args(false);
  serve->callback([serve_flags, &exit_code] {
    if (!Finish(*serve_flags)) {
      exit_code = kExitBadInput;
      return;
    }
    audit::ServeSettings settings;
    settings.listen = serve_flags->listen;
    settings.allowed_hosts = serve_flags->allow_hosts;
    auto served = audit::ServeAudit(serve_flags->options, settings, std::cout);
    exit_code = served ? kExitOk : ExitCodeOf(served.error());
  });

  command->callback([flags, serve, &exit_code] {
    if (serve->parsed()) return;  // the subcommand did the work
    if (!Finish(*flags)) {
      exit_code = kExitBadInput;
      return;
    }
    auto outcome = audit::RunAudit(flags->options, std::cout);
    exit_code = outcome ? kExitOk : ExitCodeOf(outcome.error());
  });
}

}  // namespace netwarden::cli
