// Who runs which part of a dispatch (see ThreadPool). Each thread owns a contiguous share of
// the parts and takes them from its front, in order, so consecutive parts of one thread read
// consecutive memory (one stream for the hardware prefetcher). A thread whose share is done
// takes parts from the back of the share with the most left, so a stalled or slower thread
// holds the others up by at most the part it is on, and with many small parts the threads
// finish within a small part of each other.
//
// Each share is one atomic word (generation, next, end), so a claim that races with the next
// dispatch fails instead of taking a part of a dispatch it does not belong to.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>

namespace q3c {

class PartRanges {
 public:
  explicit PartRanges(int threads);

  int threads() const { return threads_; }
  // Starts dispatch `generation`: thread t's share is parts [t * parts / threads, (t + 1) *
  // parts / threads). Call before publishing the generation to the threads.
  void reset(uint32_t generation, int parts);
  // The next part for `thread` in dispatch `generation`, or -1 when no part is left (or that
  // dispatch is over).
  int claim(int thread, uint32_t generation);

  static constexpr int kMaxParts = 0xffff;

 private:
  struct alignas(64) Share {
    std::atomic<uint64_t> word{0};  // generation (high 32 bits), next (16), end (low 16)
  };
  int threads_;
  std::unique_ptr<Share[]> shares_;
};

}  // namespace q3c
