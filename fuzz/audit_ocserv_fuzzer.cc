#include "audit_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return netwarden::audit::FuzzAuditFormat(netwarden::audit::LogFormat::kOcserv, data, size);
}
