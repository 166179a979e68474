#pragma once
// The shape of a control request, checked before any handler sees it: the request is a JSON
// object and every field the agent reads has the JSON type the agent reads it as (a request
// from a control-group member must never make the root agent throw).

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace netwarden::agent {

// Ok, or an error naming the first field of the wrong type ("'port' must be an integer
// 0..65535"). Unknown fields are left to the handler (which answers "unknown command").
Result<void> CheckControlRequest(const nlohmann::json& request);

}  // namespace netwarden::agent
