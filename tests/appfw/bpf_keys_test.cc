// Compiled tables -> kernel keys: the longest-prefix-match length, the address bytes, the config
// word. A wrong prefix length here would silently change which rule the kernel picks.
#include "appfw/bpf_keys.h"

#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include "appfw/exe_identity.h"

namespace netwarden::appfw {
namespace {

TEST(BpfKeys, RuleKeyPrefixCoversTheExactFieldsThenTheNetwork) {
  RuleKey key{3, 1000, 443, AppDirection::kIn, 6, *IpNetwork::Parse("192.0.2.0/24")};
  const nw_rule_key out = ToKernel(7, key);
  EXPECT_EQ(out.prefixlen, NW_RULE_FIXED_BITS + 24u);
  EXPECT_EQ(NW_RULE_FIXED_BITS, (offsetof(nw_rule_key, addr) - offsetof(nw_rule_key, gen)) * 8);
  EXPECT_EQ(out.gen, 7u);
  EXPECT_EQ(out.app_id, 3u);
  EXPECT_EQ(out.uid, 1000u);
  EXPECT_EQ(out.port, 443);
  EXPECT_EQ(out.direction, NW_DIR_IN);
  EXPECT_EQ(out.family, 4);
  EXPECT_EQ(out.addr[0], 192);
  EXPECT_EQ(out.addr[2], 2);
  EXPECT_EQ(out.addr[4], 0);  // nothing beyond the IPv4 address

  const nw_rule_key any6 =
      ToKernel(1, RuleKey{1, 0, 0, AppDirection::kOut, 17, *IpNetwork::Parse("::/0")});
  EXPECT_EQ(any6.prefixlen, NW_RULE_FIXED_BITS);
  EXPECT_EQ(any6.family, 6);
}

TEST(BpfKeys, VerdictAndConfigWord) {
  const nw_verdict verdict = ToKernel(TableVerdict{5, AppAction::kDeny}, 32);
  EXPECT_EQ(verdict.rule_id, 5u);
  EXPECT_EQ(verdict.action, NW_ACTION_DENY);
  EXPECT_EQ(verdict.addr_prefixlen, 32);
  const uint64_t word = ConfigWord(9, AppAction::kDeny, true);
  EXPECT_EQ(NW_CONFIG_GEN(word), 9u);
  EXPECT_EQ(NW_CONFIG_DEFAULT(word), NW_ACTION_DENY);
  EXPECT_TRUE(NW_CONFIG_LOG_ALLOW(word));
  EXPECT_FALSE(NW_CONFIG_LOG_ALLOW(ConfigWord(9, AppAction::kAllow, false)));
  EXPECT_FALSE(NW_CONFIG_REPORT(word));  // enforce unless asked
  const uint64_t report = ConfigWord(9, AppAction::kDeny, false, true);
  EXPECT_TRUE(NW_CONFIG_REPORT(report));
  EXPECT_EQ(NW_CONFIG_GEN(report), 9u);
  EXPECT_EQ(NW_CONFIG_DEFAULT(report), NW_ACTION_DENY);
  EXPECT_FALSE(NW_CONFIG_LOG_ALLOW(report));
}

TEST(BpfKeys, KernelDeviceEncoding) {
  // glibc's st_dev for 259:3 (major 259 needs the high bits) -> the kernel's MKDEV.
  EXPECT_EQ(KernelDev(makedev(259, 3)), (259u << 20) | 3u);
  EXPECT_EQ(KernelDev(makedev(8, 1)), (8u << 20) | 1u);
  EXPECT_EQ(AddressText(6, ToKernel(1, GuardKey{*IpAddress::Parse("2001:db8::1"), 6, 1}).addr),
            "2001:db8::1");
}

}  // namespace
}  // namespace netwarden::appfw
