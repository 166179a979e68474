// Built when cpp-httplib (libcpp-httplib-dev) is absent: `serve` explains instead of failing
// the build.

#include "audit/audit_run.h"
#include "audit/serve/audit_serve.h"

namespace netwarden::audit {

Result<void> ServeAudit(const AuditOptions& /*options*/, const std::string& /*listen*/,
                        std::ostream& /*log*/) {
  return MakeError(ErrorCode::kUnsupported,
                   "built without cpp-httplib (install libcpp-httplib-dev and rebuild)");
}

Result<void> ServeAudit(const AuditOptions& options, const ServeSettings& settings,
                        std::ostream& log) {
  return ServeAudit(options, settings.listen, log);
}

}  // namespace netwarden::audit
