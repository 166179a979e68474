#pragma once
// The human-readable outputs share one context: the analysis, its matrix, the GeoIP databases
// (whose build dates every report states) and notes about what could not be done.

#include <ostream>
#include <string>
#include <vector>

#include "audit/analysis.h"

namespace netwarden::audit {

struct ReportContext {
  const Analysis* analysis = nullptr;
  const UserDayMatrix* matrix = nullptr;
  std::vector<GeoDatabaseInfo> databases;
  std::vector<std::string> notes;
  size_t allow_listed_networks = 0;
};

void WriteTextSummary(std::ostream& out, const ReportContext& context);

}  // namespace netwarden::audit
