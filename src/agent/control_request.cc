#include "agent/control_request.h"

#include <cstdint>
#include <string>

namespace netwarden::agent {
namespace {

enum class FieldType { kString, kPort, kUid, kInteger };

struct FieldRule {
  const char* name;
  FieldType type;
};

// Every field a handler reads with json::value() or operator[]: status/explain/reload/portal
// and the flow of `explain`.
constexpr FieldRule kFields[] = {
    {"command", FieldType::kString},     {"protocol", FieldType::kString},
    {"destination", FieldType::kString}, {"output_interface", FieldType::kString},
    {"program", FieldType::kString},     {"port", FieldType::kPort},
    {"source_port", FieldType::kPort},   {"uid", FieldType::kUid},
    {"seconds", FieldType::kInteger},
};

// An integer within [0, max] (nlohmann keeps non-negative integers as unsigned, negative ones
// as signed).
bool IsIntegerUpTo(const nlohmann::json& value, uint64_t max) {
  if (value.is_number_unsigned()) return value.get<uint64_t>() <= max;
  return value.is_number_integer() && value.get<int64_t>() >= 0 &&
         static_cast<uint64_t>(value.get<int64_t>()) <= max;
}

bool HasType(const nlohmann::json& value, FieldType type) {
  switch (type) {
    case FieldType::kString:
      return value.is_string();
    case FieldType::kInteger:
      return value.is_number_integer() &&
             (!value.is_number_unsigned() || value.get<uint64_t>() <= INT64_MAX);
    case FieldType::kPort:
      return IsIntegerUpTo(value, 65535);
    case FieldType::kUid:
      return IsIntegerUpTo(value, UINT32_C(4294967294));
  }
  return false;
}

const char* Expected(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "a string";
    case FieldType::kInteger:
      return "an integer";
    case FieldType::kPort:
      return "an integer 0..65535";
    case FieldType::kUid:
      return "a user id (an integer 0..4294967294)";
  }
  return "";
}

}  // namespace

Result<void> CheckControlRequest(const nlohmann::json& request) {
  if (!request.is_object())
    return MakeError(ErrorCode::kInvalidArgument, "request is not a JSON object");
  if (!request.contains("command")) {
    return MakeError(ErrorCode::kInvalidArgument, "request has no 'command'");
  }
  for (const FieldRule& rule : kFields) {
    auto found = request.find(rule.name);
    if (found == request.end()) continue;
    if (!HasType(*found, rule.type)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string("'") + rule.name + "' must be " + Expected(rule.type));
    }
  }
  return Ok();
}

}  // namespace netwarden::agent
