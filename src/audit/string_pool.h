#pragma once
// The audit's strings (user names, client strings, countries, session ids) copied once into
// chunks that live as long as the pool. A session then holds 16-byte views instead of strings:
// it is small, trivially copyable, sorts by memmove and is freed with its vector at once, and
// the millions of sessions of a long log share one copy of each name.

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
  std::string_view Intern(std::string_view text);
  // A copy without looking for an equal one: for values that are unique per record (session
  // ids), where the lookup would only cost.
  std::string_view Keep(std::string_view text);

  size_t distinct() const { return used_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    const char* data = nullptr;  // nullptr: empty slot
    uint32_t size = 0;
  };
  void Grow();

  std::vector<std::unique_ptr<char[]>> chunks_;
  char* free_ = nullptr;
  size_t free_size_ = 0;
  std::vector<Slot> slots_;  // open addressing, linear probing; no deletion
  size_t used_ = 0;
};

}  // namespace netwarden::audit
