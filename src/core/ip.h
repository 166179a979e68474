#pragma once
// IPv4/IPv6 addresses and prefixes: the address types shared by every concern.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace netwarden {

enum class IpFamily : uint8_t { kV4 = 4, kV6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;
  static Result<IpAddress> Parse(std::string_view text);
  static IpAddress V4(uint32_t host_order);

  IpFamily family() const { return family_; }
  bool is_v4() const { return family_ == IpFamily::kV4; }
  int bit_width() const { return is_v4() ? 32 : 128; }
  // Network-order bytes; only the first 4 are meaningful for IPv4.
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  std::string ToString() const;

  bool Bit(int index) const { return (bytes_[index / 8] >> (7 - index % 8)) & 1; }
  IpAddress Masked(int prefix_len) const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  IpFamily family_ = IpFamily::kV4;
  std::array<uint8_t, 16> bytes_{};
};

class IpNetwork {
 public:
  IpNetwork() = default;
  IpNetwork(IpAddress base, int prefix_len) : base_(base.Masked(prefix_len)), prefix_len_(prefix_len) {}
  // "a.b.c.d/n", "x::/n", or a bare address (a host prefix). Host bits set is an error
  // because it usually means the author meant a different network.
  static Result<IpNetwork> Parse(std::string_view text);
  static IpNetwork Host(const IpAddress& address) { return {address, address.bit_width()}; }

  const IpAddress& base() const { return base_; }
  int prefix_len() const { return prefix_len_; }
  IpFamily family() const { return base_.family(); }
  bool is_host() const { return prefix_len_ == base_.bit_width(); }
  bool Contains(const IpAddress& address) const;
  bool Contains(const IpNetwork& other) const;
  bool Overlaps(const IpNetwork& other) const { return Contains(other) || other.Contains(*this); }
  // Host prefixes print without "/n".
  std::string ToString() const;

  auto operator<=>(const IpNetwork&) const = default;

 private:
  IpAddress base_;
  int prefix_len_ = 0;
};

// Ranges that can never be "the internet": RFC 1918, loopback, link-local, ULA, CGNAT is NOT
// included on purpose (carrier NAT space is shared with strangers).
const std::array<IpNetwork, 6>& PrivateNetworks();
bool IsPrivate(const IpAddress& address);
bool IsPrivate(const IpNetwork& network);

}  // namespace netwarden
