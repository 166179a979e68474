#pragma once
// Compiled tables -> the kernel's map keys and values (src/bpf/appfw_structs.h).

#include <string>

#include "appfw/tables.h"

extern "C" {
#include "appfw_structs.h"
}

namespace netwarden::appfw {

nw_rule_key ToKernel(uint32_t generation, const RuleKey& key);
nw_verdict ToKernel(const TableVerdict& verdict, int prefix_len);
nw_listen_key ToKernel(uint32_t generation, const ListenKey& key);
nw_guard_key ToKernel(uint32_t generation, const GuardKey& key);
nw_name ToKernelName(const std::string& text);
nw_rule_name ToKernelRuleName(const std::string& text);

// The config word (appfw_structs.h): generation, default action, log-allow, report mode.
uint64_t ConfigWord(uint32_t generation, AppAction default_action, bool log_allow,
                    bool report = false);

// "192.0.2.1" / "2001:db8::1" from an event's family and address bytes.
std::string AddressText(uint8_t family, const uint8_t* bytes);

}  // namespace netwarden::appfw
