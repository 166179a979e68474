#include "verify/header_space.h"

#include <algorithm>
#include <optional>

namespace netwarden::verify {
namespace {

// Address fields last: see SubtractInto.
constexpr Field kSplitOrder[] = {kOif, kIif,  kL4proto, kThSport, kThDport,
                                 kUid, kMark, kCtState, kSaddr,   kDaddr};
static_assert(std::size(kSplitOrder) == kFieldCount);

int Compare(const FieldSet& a, const FieldSet& b) {
  if (a == b) return 0;
  const auto& x = a->intervals();
  const auto& y = b->intervals();
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].lo != y[i].lo) return x[i].lo < y[i].lo ? -1 : 1;
    if (x[i].hi != y[i].hi) return x[i].hi < y[i].hi ? -1 : 1;
  }
  return 0;
}

// One pass merging cubes equal in every field but `field`.
bool CompactField(Region& region, Field field) {
  auto less = [field](const Cube& a, const Cube& b) {
    for (int f = 0; f < kFieldCount; ++f) {
      if (f == field) continue;
      if (int c = Compare(a.fields[f], b.fields[f]); c != 0) return c < 0;
    }
    return false;
  };
  std::sort(region.begin(), region.end(), less);
  Region out;
  bool merged = false;
  for (auto& cube : region) {
    if (!out.empty() && !less(out.back(), cube) && !less(cube, out.back())) {
      out.back().fields[field] = Union(out.back().fields[field], cube.fields[field]);
      merged = true;
    } else {
      out.push_back(std::move(cube));
    }
  }
  region = std::move(out);
  return merged;
}

}  // namespace

const char* FieldName(Field field) {
  switch (field) {
    case kOif:
      return "oif";
    case kIif:
      return "iif";
    case kSaddr:
      return "saddr";
    case kDaddr:
      return "daddr";
    case kL4proto:
      return "l4proto";
    case kThSport:
      return "sport";
    case kThDport:
      return "dport";
    case kUid:
      return "uid";
    case kMark:
      return "mark";
    case kCtState:
      return "ct state";
    case kFieldCount:
      break;
  }
  return "?";
}

Value FieldMax(Field field, IpFamily family) {
  switch (field) {
    case kOif:
    case kIif:
    case kMark:
      return 0xffffffffu;
    case kSaddr:
    case kDaddr:
      return family == IpFamily::kV4 ? Value(0xffffffffu) : ~Value(0);
    case kL4proto:
      return 255;
    case kThSport:
    case kThDport:
      return 65535;
    case kUid:
      return kNoSocket;
    case kCtState:
      return kCtUntracked;
    case kFieldCount:
      break;
  }
  return 0;
}

FieldSet FullField(Field field, IpFamily family) {
  // One shared object per (field, family): Intersect(a, full) then returns `a` by identity.
  thread_local std::array<std::array<FieldSet, kFieldCount>, 2> full;
  auto& slot = full[family == IpFamily::kV4 ? 0 : 1][field];
  if (!slot) slot = Share(IntervalSet::Range(0, FieldMax(field, family)));
  return slot;
}

Cube FullCube(IpFamily family) {
  Cube cube;
  for (int f = 0; f < kFieldCount; ++f) cube.fields[f] = FullField(static_cast<Field>(f), family);
  return cube;
}

bool IsFull(const Cube& cube, Field field, IpFamily family) {
  return cube[field].IsRange(0, FieldMax(field, family));
}

bool Intersects(const Cube& a, const Cube& b) {
  for (int f = 0; f < kFieldCount; ++f) {
    if (a.fields[f] != b.fields[f] && !a.fields[f]->Intersects(*b.fields[f])) return false;
  }
  return true;
}

std::optional<Cube> Intersect(const Cube& a, const Cube& b) {
  if (!Intersects(a, b)) return std::nullopt;
  Cube out;
  for (int f = 0; f < kFieldCount; ++f) out.fields[f] = Intersect(a.fields[f], b.fields[f]);
  return out;
}

void SubtractInto(const Cube& a, const Cube& b, Region& out) {
  if (!Intersects(a, b)) {
    out.push_back(a);
    return;
  }
  // Piece k keeps a's values outside b in field k, the common values in the fields before it,
  // and all of a's values in the fields after it: the pieces are disjoint and cover a - b.
  Cube rest = a;
  for (Field field : kSplitOrder) {
    if (rest.fields[field] == b.fields[field]) continue;
    FieldSet outside = Subtract(rest.fields[field], b.fields[field]);
    if (!outside->empty()) {
      Cube piece = rest;
      piece.fields[field] = std::move(outside);
      out.push_back(std::move(piece));
    }
    rest.fields[field] = Intersect(rest.fields[field], b.fields[field]);
  }
}

Region Intersect(const Region& a, const Region& b) {
  Region out;
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (auto both = Intersect(x, y)) out.push_back(std::move(*both));
    }
  }
  return out;
}

Region Subtract(const Region& a, const Cube& b) {
  Region out;
  for (const auto& cube : a) SubtractInto(cube, b, out);
  return out;
}

Region Subtract(const Region& a, const Region& b) {
  Region current = a;
  for (const auto& cube : b) {
    if (current.empty()) break;
    current = Subtract(current, cube);
  }
  return current;
}

bool IsEmpty(const Region& region) { return region.empty(); }

Region Compact(Region region) {
  for (int round = 0; round < 4; ++round) {
    bool merged = false;
    for (Field field : kSplitOrder) merged |= CompactField(region, field);
    if (!merged) break;
  }
  return region;
}

size_t IntervalCount(const Region& region) {
  size_t count = 0;
  for (const auto& cube : region) {
    for (const auto& field : cube.fields) count += field->size();
  }
  return count;
}

}  // namespace netwarden::verify
