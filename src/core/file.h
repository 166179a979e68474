#pragma once

#include <string>

#include "core/result.h"

namespace netwarden {

// Reads a whole (small) file; "-" reads standard input.
Result<std::string> ReadFile(const std::string& path);

}  // namespace netwarden
