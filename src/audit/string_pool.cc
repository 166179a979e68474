#include "audit/string_pool.h"

#include <algorithm>
#include <cstring>
#include <functional>

namespace netwarden::audit {

namespace {
constexpr size_t kChunkSize = 1 << 20;
}  // namespace

std::string_view StringPool::Keep(std::string_view text) {
  if (text.empty()) return {};
  if (text.size() > free_size_) {
    size_t size = std::max(kChunkSize, text.size());
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(size));
    free_ = chunks_.back().get();
    free_size_ = size;
  }
  char* copy = free_;
  std::memcpy(copy, text.data(), text.size());
  free_ += text.size();
  free_size_ -= text.size();
  return {copy, text.size()};
}

std::string_view StringPool::InternSlow(std::string_view text) {
  if ((used_ + 1) * 2 > slots_.size()) Grow();
  uint64_t hash = std::hash<std::string_view>{}(text);
  size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.data == nullptr) {
      std::string_view copy = Keep(text);
      slot = Slot{hash, copy.data(), static_cast<uint32_t>(copy.size())};
      ++used_;
      return copy;
    }
    if (slot.hash == hash && std::string_view(slot.data, slot.size) == text) {
      return {slot.data, slot.size};
    }
  }
}

void StringPool::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::max<size_t>(256, old.size() * 2), Slot());
  size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.data == nullptr) continue;
    size_t i = slot.hash & mask;
    while (slots_[i].data != nullptr) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

}  // namespace netwarden::audit
