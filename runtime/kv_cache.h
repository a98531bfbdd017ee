// The KV cache a program appends to: per layer, keys and values for up to `capacity` positions.
// Owned by the runtime, preallocated once; the per-token path never allocates.
#pragma once
#include <cstdint>
#include <memory>

#include "frontend/huge_pages.h"

namespace q3c {

class KvCache {
 public:
  KvCache(int64_t layers, int64_t kvHeads, int64_t headDim, int64_t capacity)
      : layers_(layers), rowFloats_(kvHeads * headDim), capacity_(capacity),
        data_(mapHugePages(static_cast<size_t>(2 * layers * capacity * kvHeads * headDim) * sizeof(float), "the KV cache")) {}

  int64_t capacity() const { return capacity_; }
  int64_t length() const { return length_; }  // positions already cached
  void setLength(int64_t n) { length_ = n; }
  void clear() { length_ = 0; }

  // [capacity, kvHeads, headDim] floats of one layer; slot 0 = keys, 1 = values.
  float* slot(int64_t layer, int slot) {
    return reinterpret_cast<float*>(data_.get()) + ((layer * 2 + slot) * capacity_) * rowFloats_;
  }

 private:
  int64_t layers_, rowFloats_, capacity_;
  int64_t length_ = 0;
  // Huge pages: a decode step reads every cached row of every layer, one 4 KB-strided row per
  // KV head and position, which on small pages is a TLB miss per row.
  std::shared_ptr<uint8_t> data_;
};

}  // namespace q3c
