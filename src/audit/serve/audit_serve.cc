// `netwarden audit serve` over cpp-httplib: each request re-reads the history database for its
// query, so the page is always current. Requests are handled one at a time because the audit's
// time-zone conversion and GeoIP cache are single-threaded. Before any route, the pre-routing
// handler refuses requests whose Host is not ours (421) or that lack the token (403).

#include "audit/serve/audit_serve.h"

#include <httplib.h>

#include <mutex>
#include <sstream>

#include "audit/audit_run.h"
#include "audit/civil_time.h"
#include "audit/history_db.h"
#include "audit/outputs.h"
#include "audit/report_html.h"
#include "audit/serve/request_guard.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

struct Served {
  std::string body;
  std::string content_type;
  int status = 200;
};

Served Handle(const AuditOptions& options, AuditEnvironment& environment, const std::string& token,
              const httplib::Request& request, std::string_view what) {
  ServedQuery shown;
  AuditQuery query;
  auto param = [&](const char* name) {
    return request.has_param(name) ? std::string(Trim(request.get_param_value(name))) : "";
  };
  shown.user = query.user = param("user");
  shown.country = query.country = param("country");
  shown.source = query.source = param("source");
  for (char& c : query.country) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  shown.from = param("from");
  shown.to = param("to");
  query.from_day = ParseDay(shown.from);
  query.to_day = ParseDay(shown.to);
  auto db = HistoryDb::Open(options.db_path);
  if (!db) return {db.error().ToString(), "text/plain", 500};
  auto input = (*db)->Load(*environment.zone, query.from_day, query.to_day);
  if (!input) return {input.error().ToString(), "text/plain", 500};
  FilterInput(*input, query, *environment.zone, *environment.geo);
  AnalysedAudit audit = Analyse(options, environment, std::move(*input));
  shown.token = token;  // the page's form keeps it, so a search stays authorised
  audit.context.served_query = shown;
  std::ostringstream out;
  if (what == "json") {
    WriteFindingsJsonLines(out, *audit.analysis);
    return {out.str(), "application/x-ndjson", 200};
  }
  if (what == "csv") {
    WriteSessionsCsv(out, *audit.analysis);
    return {out.str(), "text/csv", 200};
  }
  WriteHtmlReport(out, audit.context);
  return {out.str(), "text/html; charset=utf-8", 200};
}

void AddSecurityHeaders(httplib::Response& response) {
  for (const auto& [name, value] : SecurityHeaders()) response.set_header(name.c_str(), value);
}

// 421 / 403 with a plain-text reason, or nothing when the request may proceed.
std::optional<Served> Refusal(const httplib::Request& request,
                              const std::vector<std::string>& allowed_hosts,
                              const std::string& token) {
  if (!request.has_header("Host") ||
      !HostAllowed(request.get_header_value("Host"), allowed_hosts)) {
    return Served{"this server does not answer to that Host name (see --allow-host)\n",
                  "text/plain", 421};
  }
  std::string given = request.has_param("token") ? request.get_param_value("token") : "";
  if (!TokenMatches(given, token)) {
    return Served{"missing or wrong token: use the URL `audit serve` printed\n", "text/plain", 403};
  }
  return std::nullopt;
}

}  // namespace

Result<void> ServeAudit(const AuditOptions& options, const ServeSettings& settings,
                        std::ostream& log) {
  if (options.db_path.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "serve needs --db FILE");
  }
  const std::string& listen = settings.listen;
  auto colon = listen.rfind(':');
  auto port = colon == std::string::npos ? std::nullopt : ParseInt(listen.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "--listen wants HOST:PORT, got '" + listen + "'");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  for (const auto& name : settings.allowed_hosts) {
    if (!HostOfHeader(name)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--allow-host wants HOST or HOST:PORT, got '" + name + "'");
    }
  }
  const std::vector<std::string> allowed_hosts = AllowedHosts(host, settings.allowed_hosts);
  auto token = NewAccessToken();
  if (!token) return token.error();
  auto environment = PrepareEnvironment(options);
  if (!environment) return environment.error();
  if (auto db = HistoryDb::Open(options.db_path); !db) return db.error();

  httplib::Server server;
  std::mutex one_at_a_time;
  server.set_pre_routing_handler([&](const httplib::Request& request, httplib::Response& response) {
    AddSecurityHeaders(response);
    auto refused = Refusal(request, allowed_hosts, *token);
    if (!refused) return httplib::Server::HandlerResponse::Unhandled;
    response.status = refused->status;
    response.set_content(refused->body, refused->content_type.c_str());
    return httplib::Server::HandlerResponse::Handled;
  });
  auto route = [&](std::string_view what) {
    return [&, what](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard<std::mutex> lock(one_at_a_time);
      Served served;
      try {
        served = Handle(options, *environment, *token, request, what);
      } catch (const std::exception& error) {  // nlohmann/httplib: keep serving
        served = {std::string("internal error: ") + error.what(), "text/plain", 500};
      }
      response.status = served.status;  // the security headers are set before routing
      response.set_content(served.body, served.content_type.c_str());
    };
  };
  server.Get("/", route("html"));
  server.Get("/findings.jsonl", route("json"));
  server.Get("/sessions.csv", route("csv"));
  int bound = static_cast<int>(*port);
  if (bound == 0) {
    bound = server.bind_to_any_port(host.c_str());
  } else if (!server.bind_to_port(host.c_str(), bound)) {
    bound = -1;
  }
  if (bound < 0) {
    return MakeError(ErrorCode::kIo, "cannot listen on " + listen);
  }
  // A wildcard address names no host a browser can use: print the loopback one.
  std::string shown = host == "0.0.0.0" || host.empty() ? "127.0.0.1" : host == "::" ? "::1" : host;
  log << "serving http://" << (shown.find(':') != std::string::npos ? "[" + shown + "]" : shown)
      << ":" << bound << "/?token=" << *token << " from " << options.db_path << std::endl;
  if (!server.listen_after_bind()) return MakeError(ErrorCode::kIo, "server stopped with an error");
  return Ok();
}

Result<void> ServeAudit(const AuditOptions& options, const std::string& listen, std::ostream& log) {
  ServeSettings settings;
  settings.listen = listen;
  return ServeAudit(options, settings, log);
}

}  // namespace netwarden::audit
