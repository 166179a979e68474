#pragma once
// Header space: a packet is a point in the product of the fields below; a cube is a product of
// one interval set per field; a region is a union of cubes. The chains of a table map regions to
// verdicts exactly, because every match the compiler emits is a membership test on these fields.
// One model per address family (IPv4 addresses are 32-bit, IPv6 128-bit).

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/ip.h"
#include "verify/interval_set.h"

namespace netwarden::verify {

enum Field : uint8_t {
  kOif,  // interface id (InterfaceNames); ids no name was given to are "any other interface"
  kIif,
  kSaddr,
  kDaddr,
  kL4proto,  // meta l4proto
  kThSport,  // transport header bytes 0-1: tcp/udp source port, icmp type << 8 | code
  kThDport,  // transport header bytes 2-3: tcp/udp destination port (`th dport`)
  kUid,      // meta skuid; kNoSocket for packets without a socket (kernel-generated)
  kMark,     // meta mark
  kCtState,  // one of CtState
  kFieldCount,
};

inline constexpr Value kNoSocket = Value(1) << 32;
enum CtState : uint8_t { kCtNew, kCtEstablished, kCtRelated, kCtInvalid, kCtUntracked };
inline constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17, kProtoIcmpv6 = 58;

const char* FieldName(Field field);
Value FieldMax(Field field, IpFamily family);

struct Cube {
  std::array<FieldSet, kFieldCount> fields;
  const IntervalSet& operator[](Field f) const { return *fields[f]; }
};

using Region = std::vector<Cube>;

// Every packet of the family.
Cube FullCube(IpFamily family);
FieldSet FullField(Field field, IpFamily family);
bool IsFull(const Cube& cube, Field field, IpFamily family);

// Cube algebra. Subtract splits on the address fields last, so the big address sets are copied
// (at most) once per cube.
bool Intersects(const Cube& a, const Cube& b);
std::optional<Cube> Intersect(const Cube& a, const Cube& b);
void SubtractInto(const Cube& a, const Cube& b, Region& out);

Region Intersect(const Region& a, const Region& b);
Region Subtract(const Region& a, const Region& b);
Region Subtract(const Region& a, const Cube& b);
bool IsEmpty(const Region& region);
// Merges cubes that differ in one field only (a shorter, equal region).
Region Compact(Region region);
// Total number of intervals across the region (a size measure for reports and benches).
size_t IntervalCount(const Region& region);

}  // namespace netwarden::verify
