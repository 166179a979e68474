#include "agent/uid_rate_limit.h"

#include <algorithm>

namespace netwarden::agent {
namespace {

// Buckets of users that have been quiet long enough to be full again carry no information;
// dropping them keeps the map small however many uids connect.
constexpr size_t kPruneAbove = 256;

}  // namespace

bool UidRateLimit::Allow(uid_t uid, Clock::time_point now) {
  if (uid == 0 && !limit_root_) return true;
  if (buckets_.size() > kPruneAbove) ForgetFullBuckets(now);
  auto [found, inserted] = buckets_.try_emplace(uid, Bucket{burst_, now});
  Bucket& bucket = found->second;
  if (!inserted) {
    const double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
    bucket.tokens = std::min(burst_, bucket.tokens + std::max(elapsed, 0.0) * per_second_);
    bucket.refilled = now;
  }
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

void UidRateLimit::ForgetFullBuckets(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double elapsed = std::chrono::duration<double>(now - it->second.refilled).count();
    if (it->second.tokens + elapsed * per_second_ >= burst_) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace netwarden::agent
