// Time budgets of the scale tests hold for the product's build; under the sanitizers (`make asan`:
// clang -O0, every memory access checked) the same work takes up to ~20 times as long (merging a
// million entries: 20.6 s against a 5 s budget), so there the budget is scaled: the tests still
// run every step and check every result.
#pragma once

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NETWARDEN_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NETWARDEN_SANITIZED 1
#endif
#endif

namespace netwarden::threats {

#ifdef NETWARDEN_SANITIZED
inline constexpr double kTimeBudgetScale = 10;
#else
inline constexpr double kTimeBudgetScale = 1;
#endif

}  // namespace netwarden::threats
