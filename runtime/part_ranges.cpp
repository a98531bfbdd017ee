#include "runtime/part_ranges.h"

#include <stdexcept>

namespace q3c {

namespace {

uint64_t pack(uint32_t generation, int next, int end) {
  return (uint64_t(generation) << 32) | (uint64_t(next) << 16) | uint64_t(end);
}
uint32_t generationOf(uint64_t w) { return static_cast<uint32_t>(w >> 32); }
int nextOf(uint64_t w) { return static_cast<int>((w >> 16) & 0xffff); }
int endOf(uint64_t w) { return static_cast<int>(w & 0xffff); }

int positive(int threads) {
  if (threads <= 0) throw std::invalid_argument("PartRanges: threads must be positive");
  return threads;
}

}  // namespace

PartRanges::PartRanges(int threads) : threads_(positive(threads)), shares_(new Share[threads_]) {}

void PartRanges::reset(uint32_t generation, int parts) {
  if (parts < 0 || parts > kMaxParts) throw std::invalid_argument("PartRanges: parts out of range");
  for (int t = 0; t < threads_; ++t) {
    const int begin = static_cast<int>(int64_t(t) * parts / threads_);
    const int end = static_cast<int>(int64_t(t + 1) * parts / threads_);
    shares_[t].word.store(pack(generation, begin, end), std::memory_order_relaxed);
  }
}

int PartRanges::claim(int thread, uint32_t generation) {
  // Own share, from the front.
  std::atomic<uint64_t>& own = shares_[thread].word;
  uint64_t w = own.load(std::memory_order_acquire);
  while (generationOf(w) == generation && nextOf(w) < endOf(w))
    if (own.compare_exchange_weak(w, pack(generation, nextOf(w) + 1, endOf(w)), std::memory_order_acq_rel))
      return nextOf(w);
  if (generationOf(w) != generation) return -1;  // that dispatch is over
  // Then from the back of the share with the most parts left.
  for (;;) {
    int victim = -1, most = 0;
    uint64_t seen = 0;
    for (int t = 0; t < threads_; ++t) {
      const uint64_t v = shares_[t].word.load(std::memory_order_acquire);
      if (generationOf(v) != generation) return -1;
      if (endOf(v) - nextOf(v) > most) victim = t, most = endOf(v) - nextOf(v), seen = v;
    }
    if (victim < 0) return -1;
    if (shares_[victim].word.compare_exchange_weak(seen, pack(generation, nextOf(seen), endOf(seen) - 1),
                                                   std::memory_order_acq_rel))
      return endOf(seen) - 1;
  }
}

}  // namespace q3c
