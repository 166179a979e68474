// Control-socket request bytes -> JSON -> CheckControlRequest; a request the check accepts must
// be readable the way the agent's handlers read it (json::value with their types) without
// throwing: an exception there would run through the agent's event loop.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/control_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto request = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!netwarden::agent::CheckControlRequest(request)) return 0;
  // The reads of src/agent/agent_control.cc; these throw on a wrong type, so they must not here.
  (void)request.value("command", "");
  (void)request.value("protocol", "tcp");
  (void)request.value("destination", "");
  (void)request.value("output_interface", "");
  (void)request.value("program", "");
  (void)static_cast<uint16_t>(request.value("port", 0));
  (void)static_cast<uint16_t>(request.value("source_port", 0));
  (void)request.value("uid", 0u);
  (void)request.value("seconds", 300LL);
  return 0;
}
