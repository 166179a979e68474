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
  // Appended piece by piece: the chain of operator+ temporaries this replaces made g++ 12 -O3
  // warn falsely (-Wrestrict inside libstdc++, GCC bug 105651).
  std::string text;
  if (where) {
    text.append(where->file).append(":").append(std::to_string(where->line)).append(":");
    text.append(std::to_string(where->column)).append(": ");
  }
  text.append(message);
  for (const auto& other : more) text.append("\n").append(other.ToString());
  return text;
}

}  // namespace netwarden
