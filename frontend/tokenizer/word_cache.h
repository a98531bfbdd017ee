// Remembers the ids BPE gave each piece of text: natural text repeats its words, so most pieces
// are looked up, not merged. Open addressing over one key arena and one id arena; when it grows
// past its budget it starts again empty (cheaper than LRU bookkeeping on every hit).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace q3c {

class WordCache {
 public:
  explicit WordCache(size_t maxEntries = 1 << 18) : maxEntries_(maxEntries) {}

  // The cached ids of `word`, or false.
  bool find(std::string_view word, uint64_t hash, const int32_t** ids, uint32_t* count) const;
  void insert(std::string_view word, uint64_t hash, const int32_t* ids, uint32_t count);
  void clear();
  size_t size() const { return entries_; }

  static uint64_t hash(std::string_view s);

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t keyOffset = 0, keyLength = 0;
    uint32_t idsOffset = 0, idsCount = 0;
    bool used() const { return keyLength != 0; }
  };
  void grow();

  size_t maxEntries_;
  size_t entries_ = 0;
  std::vector<Slot> slots_;
  std::string keys_;
  std::vector<int32_t> ids_;
};

}  // namespace q3c
