#pragma once
// The app firewall's decision over the compiled tables, in plain C++: what `explain` answers.
// It mirrors src/bpf/appfw_helpers.h and the hooks of src/bpf/appfw.bpf.c step for step; the
// differential lab test holds the two equal on random flows.

#include <cstdint>

#include "appfw/tables.h"

namespace netwarden::appfw {

enum class AppHook : uint8_t {
  kConnect,  // outbound: connect() (TCP, connected UDP) or sendmsg() (unconnected UDP)
  kBind,     // listening on a local port
  kIngress,  // an inbound connection request / datagram from `remote` to local `port`
};

struct AppQuery {
  uint32_t app_id = 0;  // CompiledTables::AppId(path); 0 = no rule names the program
  uint32_t uid = 0;
  AppHook hook = AppHook::kConnect;
  uint8_t ip_protocol = 6;
  IpAddress remote;   // destination (connect) or source (ingress); unused for bind
  uint16_t port = 0;  // remote port (connect) or local port (bind, ingress)
};

TableVerdict Evaluate(const CompiledTables& tables, const AppQuery& query);

}  // namespace netwarden::appfw
