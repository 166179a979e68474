#include "core/result.h"

namespace netwarden {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid-argument";
    case ErrorCode::kPolicy: return "policy";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kKernel: return "kernel";
    case ErrorCode::kVerify: return "verify";
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

std::string Error::ToString() const {
  std::string text = message;
  if (where) {
    text = where->file + ":" + std::to_string(where->line) + ":" + std::to_string(where->column) +
           ": " + message;
  }
  for (const auto& other : more) text += "\n" + other.ToString();
  return text;
}

}  // namespace netwarden
