#pragma once
// The human-readable outputs share one context: the analysis, its matrix, the GeoIP databases
// (whose build dates every report states) and notes about what could not be done.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "audit/analysis.h"

namespace netwarden::audit {

// The query a served page was made for; the page then carries a form to change it.
struct ServedQuery {
  std::string user, from, to, country, source;
  std::string token;  // audit serve's access token, kept in the form (request_guard.h)
};

struct ReportContext {
  const Analysis* analysis = nullptr;
  const UserDayMatrix* matrix = nullptr;
  std::vector<GeoDatabaseInfo> databases;
  std::vector<std::string> notes;
  size_t allow_listed_networks = 0;
  std::optional<ServedQuery> served_query;
};

void WriteTextSummary(std::ostream& out, const ReportContext& context);

}  // namespace netwarden::audit
