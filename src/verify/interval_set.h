#pragma once
// A set of unsigned integers kept as sorted, disjoint, non-adjacent closed intervals: one
// header field's values in the verifier's model. 128 bits hold an IPv6 address; smaller fields
// use the low bits. Exact: no value is ever approximated.

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace netwarden::verify {

using Value = unsigned __int128;

class IntervalSet {
 public:
  struct Interval {
    Value lo;
    Value hi;  // inclusive
  };

  IntervalSet() = default;
  static IntervalSet Range(Value lo, Value hi);
  static IntervalSet Point(Value value) { return Range(value, value); }
  // Any intervals in any order, overlapping or not.
  static IntervalSet FromIntervals(std::vector<Interval> intervals);

  bool empty() const { return intervals_.empty(); }
  size_t size() const { return intervals_.size(); }
  const std::vector<Interval>& intervals() const { return intervals_; }
  bool Contains(Value value) const;
  // True when the set is exactly [lo, hi].
  bool IsRange(Value lo, Value hi) const;

  IntervalSet Union(const IntervalSet& other) const;
  IntervalSet Intersect(const IntervalSet& other) const;
  IntervalSet Subtract(const IntervalSet& other) const;
  bool Intersects(const IntervalSet& other) const;
  bool IsSubsetOf(const IntervalSet& other) const { return Subtract(other).empty(); }

  bool operator==(const IntervalSet& other) const;

 private:
  std::vector<Interval> intervals_;
};

// Field values are shared between the cubes of a region: a 10,000-prefix breakout set is held
// once, however many cubes mention it.
using FieldSet = std::shared_ptr<const IntervalSet>;
FieldSet Share(IntervalSet set);

// The same operations on shared sets, memoised by operand identity for large sets (the same
// breakout set is intersected with many cubes). ClearSetCache() drops the memo.
FieldSet Intersect(const FieldSet& a, const FieldSet& b);
FieldSet Subtract(const FieldSet& a, const FieldSet& b);
FieldSet Union(const FieldSet& a, const FieldSet& b);
void ClearSetCache();

}  // namespace netwarden::verify
