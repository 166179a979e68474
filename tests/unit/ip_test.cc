#include "core/ip.h"

#include <gtest/gtest.h>

namespace netwarden {
namespace {

TEST(IpAddress, ParsesBothFamilies) {
  auto v4 = IpAddress::Parse("192.0.2.7");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->ToString(), "192.0.2.7");
  auto v6 = IpAddress::Parse("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->is_v4());
  EXPECT_EQ(v6->ToString(), "2001:db8::1");
  EXPECT_FALSE(IpAddress::Parse("300.1.1.1"));
  EXPECT_FALSE(IpAddress::Parse("vpn.example.net"));
  EXPECT_FALSE(IpAddress::Parse(""));
}

TEST(IpNetwork, RejectsHostBitsAndBadLengths) {
  EXPECT_TRUE(IpNetwork::Parse("10.30.0.0/16"));
  auto bad = IpNetwork::Parse("10.30.0.1/16");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("10.30.0.0/16"), std::string::npos);
  EXPECT_FALSE(IpNetwork::Parse("10.0.0.0/33"));
  EXPECT_FALSE(IpNetwork::Parse("10.0.0.0/"));
  EXPECT_FALSE(IpNetwork::Parse("10.0.0.0/x"));
  EXPECT_TRUE(IpNetwork::Parse("2001:db8::/32"));
  EXPECT_FALSE(IpNetwork::Parse("2001:db8::/129"));
}

TEST(IpNetwork, Containment) {
  auto net = *IpNetwork::Parse("52.112.0.0/14");
  EXPECT_TRUE(net.Contains(*IpAddress::Parse("52.115.255.255")));
  EXPECT_FALSE(net.Contains(*IpAddress::Parse("52.116.0.0")));
  EXPECT_FALSE(net.Contains(*IpAddress::Parse("::1")));
  EXPECT_TRUE(net.Contains(*IpNetwork::Parse("52.113.0.0/16")));
  EXPECT_FALSE(IpNetwork::Parse("52.113.0.0/16")->Contains(net));
  EXPECT_EQ(IpNetwork::Host(*IpAddress::Parse("192.0.2.1")).ToString(), "192.0.2.1");
}

TEST(IpAddress, PrivateRanges) {
  EXPECT_TRUE(IsPrivate(*IpAddress::Parse("192.168.1.1")));
  EXPECT_TRUE(IsPrivate(*IpAddress::Parse("fe80::1")));
  EXPECT_TRUE(IsPrivate(*IpAddress::Parse("fd00::1")));
  EXPECT_FALSE(IsPrivate(*IpAddress::Parse("192.0.2.80")));
  EXPECT_FALSE(IsPrivate(*IpAddress::Parse("100.64.0.1")));
  EXPECT_FALSE(IsPrivate(*IpNetwork::Parse("192.0.0.0/8")));
  EXPECT_TRUE(IsPrivate(*IpNetwork::Parse("10.1.0.0/16")));
}

}  // namespace
}  // namespace netwarden
