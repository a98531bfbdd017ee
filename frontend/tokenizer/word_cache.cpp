#include "frontend/tokenizer/word_cache.h"

#include <cstring>

namespace q3c {

uint64_t WordCache::hash(std::string_view s) {
  // A multiply-xorshift hash over 8-byte words: fast on short pieces, good enough spread.
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xFF51AFD7ED558CCDull);
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * 0x94D049BB133111EBull;
  h ^= h >> 29;
  return h;
}

bool WordCache::find(std::string_view word, uint64_t hash, const int32_t** ids, uint32_t* count) const {
  if (slots_.empty()) return false;
  size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (!s.used()) return false;
    if (s.hash == hash && s.keyLength == word.size() && std::memcmp(keys_.data() + s.keyOffset, word.data(), word.size()) == 0) {
      *ids = ids_.data() + s.idsOffset;
      *count = s.idsCount;
      return true;
    }
  }
}

void WordCache::insert(std::string_view word, uint64_t hash, const int32_t* ids, uint32_t count) {
  if (word.empty() || word.size() > 256) return;  // long pieces are rare: not worth the memory
  if (entries_ >= maxEntries_ || keys_.size() + word.size() > UINT32_MAX / 2) clear();
  if ((entries_ + 1) * 2 > slots_.size()) grow();
  size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i].used()) i = (i + 1) & mask;
  Slot& s = slots_[i];
  s.hash = hash;
  s.keyOffset = static_cast<uint32_t>(keys_.size());
  s.keyLength = static_cast<uint32_t>(word.size());
  s.idsOffset = static_cast<uint32_t>(ids_.size());
  s.idsCount = count;
  keys_.append(word);
  ids_.insert(ids_.end(), ids, ids + count);
  ++entries_;
}

void WordCache::clear() {
  slots_.clear();
  keys_.clear();
  ids_.clear();
  entries_ = 0;
}

void WordCache::grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.used()) continue;
    size_t i = s.hash & mask;
    while (slots_[i].used()) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

}  // namespace q3c
