#pragma once
// The audit's strings (user names, client strings, countries, reasons, session ids) copied into
// chunks that live as long as the pool. A session then holds 16-byte views instead of strings:
// it is small, trivially copyable, sorts by memmove and is freed with its vector at once, and
// the millions of sessions of a long log share one copy of each client, country and reason.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace netwarden::audit {

class StringPool {
 public:
  StringPool() = default;
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  // A view of a copy of `text`, valid for the pool's lifetime; equal texts share one copy.
  // For values that repeat (user names, clients, countries, reasons).
  std::string_view Intern(std::string_view text) {
    if (text.empty()) return {};
    std::string_view& recent = recent_[RecentIndex(text)];
    if (recent.size() == text.size() &&
        __builtin_memcmp(recent.data(), text.data(), text.size()) == 0) {
      return recent;
    }
    recent = InternSlow(text);
    return recent;
  }
  // A copy without looking for an equal one: for values that are unique per record (session
  // ids), where the lookup would only cost.
  std::string_view Keep(std::string_view text);

  size_t distinct() const { return used_; }

 private:
  static size_t RecentIndex(std::string_view text) {
    return (text.size() * 31 + static_cast<unsigned char>(text.front()) * 7 +
            static_cast<unsigned char>(text.back())) %
           kRecent;
  }

  struct Slot {
    uint64_t hash = 0;
    const char* data = nullptr;  // nullptr: empty slot
    uint32_t size = 0;
  };
  void Grow();
  std::string_view InternSlow(std::string_view text);

  // The latest values by a cheap index (length and end bytes): clients, countries and reasons
  // repeat from line to line, and a hit costs one compare instead of hashing and probing.
  static constexpr size_t kRecent = 64;
  std::string_view recent_[kRecent];

  std::vector<std::unique_ptr<char[]>> chunks_;
  char* free_ = nullptr;
  size_t free_size_ = 0;
  std::vector<Slot> slots_;  // open addressing, linear probing; no deletion
  size_t used_ = 0;
};

}  // namespace netwarden::audit
