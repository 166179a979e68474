#include "verify/interval_set.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace netwarden::verify {

IntervalSet IntervalSet::Range(Value lo, Value hi) {
  IntervalSet set;
  if (lo <= hi) set.intervals_.push_back({lo, hi});
  return set;
}

IntervalSet IntervalSet::FromIntervals(std::vector<Interval> intervals) {
  std::sort(intervals.begin(), intervals.end(),
            [](const Interval& a, const Interval& b) { return a.lo < b.lo; });
  IntervalSet set;
  for (const auto& interval : intervals) {
    if (interval.lo > interval.hi) continue;
    auto& out = set.intervals_;
    // Adjacent intervals merge too ("hi + 1 == lo"), so equal sets have equal representations.
    if (!out.empty() && (out.back().hi == ~Value(0) || interval.lo <= out.back().hi + 1)) {
      out.back().hi = std::max(out.back().hi, interval.hi);
    } else {
      out.push_back(interval);
    }
  }
  return set;
}

bool IntervalSet::Contains(Value value) const {
  auto it = std::upper_bound(intervals_.begin(), intervals_.end(), value,
                             [](Value v, const Interval& i) { return v < i.lo; });
  if (it == intervals_.begin()) return false;
  return value <= std::prev(it)->hi;
}

bool IntervalSet::IsRange(Value lo, Value hi) const {
  return intervals_.size() == 1 && intervals_[0].lo == lo && intervals_[0].hi == hi;
}

IntervalSet IntervalSet::Union(const IntervalSet& other) const {
  std::vector<Interval> all = intervals_;
  all.insert(all.end(), other.intervals_.begin(), other.intervals_.end());
  return FromIntervals(std::move(all));
}

IntervalSet IntervalSet::Intersect(const IntervalSet& other) const {
  IntervalSet out;
  size_t i = 0, j = 0;
  const auto& a = intervals_;
  const auto& b = other.intervals_;
  while (i < a.size() && j < b.size()) {
    const Value lo = std::max(a[i].lo, b[j].lo);
    const Value hi = std::min(a[i].hi, b[j].hi);
    if (lo <= hi) out.intervals_.push_back({lo, hi});
    if (a[i].hi < b[j].hi) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

bool IntervalSet::Intersects(const IntervalSet& other) const {
  size_t i = 0, j = 0;
  const auto& a = intervals_;
  const auto& b = other.intervals_;
  while (i < a.size() && j < b.size()) {
    if (std::max(a[i].lo, b[j].lo) <= std::min(a[i].hi, b[j].hi)) return true;
    if (a[i].hi < b[j].hi) {
      ++i;
    } else {
      ++j;
    }
  }
  return false;
}

IntervalSet IntervalSet::Subtract(const IntervalSet& other) const {
  IntervalSet out;
  size_t j = 0;
  const auto& b = other.intervals_;
  for (const auto& interval : intervals_) {
    Value lo = interval.lo;
    bool done = false;
    while (j < b.size() && b[j].hi < lo) ++j;
    size_t k = j;
    while (k < b.size() && b[k].lo <= interval.hi) {
      if (b[k].lo > lo) out.intervals_.push_back({lo, b[k].lo - 1});
      if (b[k].hi >= interval.hi) {
        done = true;
        break;
      }
      lo = b[k].hi + 1;
      ++k;
    }
    if (!done) out.intervals_.push_back({lo, interval.hi});
  }
  return out;
}

bool IntervalSet::operator==(const IntervalSet& other) const {
  if (intervals_.size() != other.intervals_.size()) return false;
  for (size_t i = 0; i < intervals_.size(); ++i) {
    if (intervals_[i].lo != other.intervals_[i].lo || intervals_[i].hi != other.intervals_[i].hi) {
      return false;
    }
  }
  return true;
}

FieldSet Share(IntervalSet set) { return std::make_shared<const IntervalSet>(std::move(set)); }

namespace {

enum class Op : uint8_t { kIntersect, kSubtract, kUnion };

// Small sets are cheaper to recompute than to look up.
constexpr size_t kMemoMinimum = 32;

struct MemoEntry {
  FieldSet a, b, result;  // the operands are held so their addresses stay unique
};

std::map<std::tuple<const IntervalSet*, const IntervalSet*, Op>, MemoEntry>& Memo() {
  thread_local std::map<std::tuple<const IntervalSet*, const IntervalSet*, Op>, MemoEntry> memo;
  return memo;
}

template <typename F>
FieldSet Memoised(const FieldSet& a, const FieldSet& b, Op op, F&& compute) {
  if (a->size() + b->size() < kMemoMinimum) return Share(compute());
  auto key = std::make_tuple(a.get(), b.get(), op);
  auto& memo = Memo();
  if (auto found = memo.find(key); found != memo.end()) return found->second.result;
  FieldSet result = Share(compute());
  memo.emplace(key, MemoEntry{a, b, result});
  return result;
}

}  // namespace

FieldSet Intersect(const FieldSet& a, const FieldSet& b) {
  if (a == b) return a;
  return Memoised(a, b, Op::kIntersect, [&] { return a->Intersect(*b); });
}

FieldSet Subtract(const FieldSet& a, const FieldSet& b) {
  return Memoised(a, b, Op::kSubtract, [&] { return a->Subtract(*b); });
}

FieldSet Union(const FieldSet& a, const FieldSet& b) {
  if (a == b) return a;
  return Memoised(a, b, Op::kUnion, [&] { return a->Union(*b); });
}

void ClearSetCache() { Memo().clear(); }

}  // namespace netwarden::verify
