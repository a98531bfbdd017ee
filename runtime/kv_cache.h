// The KV cache a program appends to: per layer, keys and values for up to `capacity` positions.
// Owned by the runtime, preallocated once; the per-token path never allocates.
#pragma once
#include <cstdint>
#include <memory>

#include "frontend/huge_pages.h"

namespace q3c {

class KvCache {
 public:
  // The compiled kernels keep positions in blocks of this many (codegen/llvm/kv_layout.h), so
  // each slot holds whole blocks: the capacity rounded up.
  static constexpr int64_t kPositionBlock = 64;

  KvCache(int64_t layers, int64_t kvHeads, int64_t headDim, int64_t capacity)
      : layers_(layers), rowFloats_(kvHeads * headDim), capacity_(capacity),
        slotPositions_((capacity + kPositionBlock - 1) / kPositionBlock * kPositionBlock),
        data_(mapHugePages(static_cast<size_t>(2 * layers * slotPositions_ * kvHeads * headDim) * sizeof(float), "the KV cache")) {}

  int64_t capacity() const { return capacity_; }
  int64_t length() const { return length_; }  // positions already cached
  void setLength(int64_t n) { length_ = n; }
  void clear() { length_ = 0; }

  // One layer's keys (slot 0) or values (1): capacity x kvHeads x headDim floats (and the
  // padding to whole blocks), laid out as the backend's kernels choose.
  float* slot(int64_t layer, int slot) {
    return reinterpret_cast<float*>(data_.get()) + ((layer * 2 + slot) * slotPositions_) * rowFloats_;
  }

 private:
  int64_t layers_, rowFloats_, capacity_, slotPositions_;
  int64_t length_ = 0;
  // Huge pages: a decode step reads every cached key and value of every layer, one run per
  // block and KV head (and in the interpreter one row per position and KV head, 4 KB apart on
  // Qwen3-4B), which on small pages is a TLB miss per 4 KB.
  std::shared_ptr<uint8_t> data_;
};

}  // namespace q3c
