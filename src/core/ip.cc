#include "core/ip.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace netwarden {

Result<IpAddress> IpAddress::Parse(std::string_view text) {
  std::string copy(text);
  IpAddress address;
  if (inet_pton(AF_INET, copy.c_str(), address.bytes_.data()) == 1) {
    address.family_ = IpFamily::kV4;
    return address;
  }
  if (copy.find(':') != std::string::npos &&
      inet_pton(AF_INET6, copy.c_str(), address.bytes_.data()) == 1) {
    address.family_ = IpFamily::kV6;
    return address;
  }
  return MakeError(ErrorCode::kInvalidArgument, "'" + copy + "' is not an IPv4 or IPv6 address");
}

IpAddress IpAddress::V4(uint32_t host_order) {
  IpAddress address;
  address.family_ = IpFamily::kV4;
  address.bytes_[0] = static_cast<uint8_t>(host_order >> 24);
  address.bytes_[1] = static_cast<uint8_t>(host_order >> 16);
  address.bytes_[2] = static_cast<uint8_t>(host_order >> 8);
  address.bytes_[3] = static_cast<uint8_t>(host_order);
  return address;
}

std::string IpAddress::ToString() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buffer, sizeof(buffer));
  return buffer;
}

IpAddress IpAddress::Masked(int prefix_len) const {
  IpAddress out = *this;
  for (int bit = prefix_len; bit < bit_width(); ++bit) {
    out.bytes_[bit / 8] &= static_cast<uint8_t>(~(1u << (7 - bit % 8)));
  }
  return out;
}

Result<IpNetwork> IpNetwork::Parse(std::string_view text) {
  auto slash = text.find('/');
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return address.error();
  if (slash == std::string_view::npos) return IpNetwork::Host(*address);
  std::string_view length_text = text.substr(slash + 1);
  int prefix_len = -1;
  auto [end, ec] = std::from_chars(length_text.data(), length_text.data() + length_text.size(), prefix_len);
  if (ec != std::errc() || end != length_text.data() + length_text.size() || length_text.empty() ||
      prefix_len < 0 || prefix_len > address->bit_width()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "'" + std::string(text) + "' has an invalid prefix length (0.." +
                         std::to_string(address->bit_width()) + ")");
  }
  IpNetwork network(*address, prefix_len);
  if (network.base() != *address) {
    return MakeError(ErrorCode::kInvalidArgument, "'" + std::string(text) +
                                                      "' has host bits set; did you mean " +
                                                      network.ToString() + "?");
  }
  return network;
}

bool IpNetwork::Contains(const IpAddress& address) const {
  return address.family() == family() && address.Masked(prefix_len_) == base_;
}

bool IpNetwork::Contains(const IpNetwork& other) const {
  return other.family() == family() && other.prefix_len_ >= prefix_len_ && Contains(other.base_);
}

std::string IpNetwork::ToString() const {
  if (is_host()) return base_.ToString();
  return base_.ToString() + "/" + std::to_string(prefix_len_);
}

const std::array<IpNetwork, 6>& PrivateNetworks() {
  static const std::array<IpNetwork, 6> kNetworks = {
      *IpNetwork::Parse("10.0.0.0/8"),     *IpNetwork::Parse("172.16.0.0/12"),
      *IpNetwork::Parse("192.168.0.0/16"), *IpNetwork::Parse("169.254.0.0/16"),
      *IpNetwork::Parse("fe80::/10"),      *IpNetwork::Parse("fc00::/7"),
  };
  return kNetworks;
}

bool IsPrivate(const IpAddress& address) {
  for (const auto& network : PrivateNetworks()) {
    if (network.Contains(address)) return true;
  }
  return false;
}

bool IsPrivate(const IpNetwork& network) {
  for (const auto& privileged : PrivateNetworks()) {
    if (privileged.Contains(network)) return true;
  }
  return false;
}

}  // namespace netwarden
