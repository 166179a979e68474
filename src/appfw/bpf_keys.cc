#include "appfw/bpf_keys.h"

#include <arpa/inet.h>

#include <cstring>

namespace netwarden::appfw {
namespace {

uint8_t ActionByte(AppAction action) {
  return action == AppAction::kDeny ? NW_ACTION_DENY : NW_ACTION_ALLOW;
}

void CopyAddress(const IpAddress& address, uint8_t* out) {
  std::memcpy(out, address.bytes().data(), address.is_v4() ? 4 : 16);
}

}  // namespace

nw_rule_key ToKernel(uint32_t generation, const RuleKey& key) {
  nw_rule_key out{};
  out.prefixlen = NW_RULE_FIXED_BITS + static_cast<uint32_t>(key.remote.prefix_len());
  out.gen = generation;
  out.app_id = key.app_id;
  out.uid = key.uid;
  out.port = key.port;
  out.direction = key.direction == AppDirection::kIn ? NW_DIR_IN : NW_DIR_OUT;
  out.proto = key.ip_protocol;
  out.family = key.remote.base().is_v4() ? 4 : 6;
  CopyAddress(key.remote.base(), out.addr);
  return out;
}

nw_verdict ToKernel(const TableVerdict& verdict, int prefix_len) {
  nw_verdict out{};
  out.rule_id = verdict.rule_id;
  out.action = ActionByte(verdict.action);
  out.addr_prefixlen = static_cast<uint8_t>(prefix_len);
  return out;
}

nw_listen_key ToKernel(uint32_t generation, const ListenKey& key) {
  nw_listen_key out{};
  out.gen = generation;
  out.app_id = key.app_id;
  out.uid = key.uid;
  out.port = key.port;
  out.proto = key.ip_protocol;
  return out;
}

nw_guard_key ToKernel(uint32_t generation, const GuardKey& key) {
  nw_guard_key out{};
  out.gen = generation;
  out.port = key.port;
  out.proto = key.ip_protocol;
  out.family = key.address.is_v4() ? 4 : 6;
  CopyAddress(key.address, out.addr);
  return out;
}

nw_rule_name ToKernelRuleName(const std::string& text) {
  nw_rule_name out{};
  std::strncpy(out.text, text.c_str(), sizeof(out.text) - 1);
  return out;
}

nw_name ToKernelName(const std::string& text) {
  nw_name out{};
  std::strncpy(out.text, text.c_str(), sizeof(out.text) - 1);
  return out;
}

uint64_t ConfigWord(uint32_t generation, AppAction default_action, bool log_allow, bool report) {
  return uint64_t{generation} | (uint64_t{ActionByte(default_action)} << 32) |
         (uint64_t{log_allow ? 1u : 0u} << 40) | (uint64_t{report ? 1u : 0u} << 41);
}

std::string AddressText(uint8_t family, const uint8_t* bytes) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes, text, sizeof(text));
  return text;
}

}  // namespace netwarden::appfw
