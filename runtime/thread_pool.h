// A persistent pool of worker threads for kernels split into parts. A kernel's parts are fixed
// ranges of its work (static partitioning: part p of n always covers the same rows). Each
// thread runs its own contiguous share of the parts in order and then takes parts from the
// back of the others' shares (PartRanges), so a thread that the host stalls holds up at most
// the part it is on while the others take the rest. Dispatch is an atomic generation the
// workers spin on briefly and then wait on, so a step allocates and locks nothing.
// The runtime owns the pool; executables borrow it.
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "runtime/part_ranges.h"

namespace q3c {

class ThreadPool {
 public:
  // `thread` is the index of the pool thread that runs the part (0: the caller), so a task can
  // keep per-thread state across the parts one thread runs.
  using Task = void (*)(void* context, int part, int parts, int thread);

  // `threads` in all, the calling thread included; 0: one per physical core.
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Runs task(context, part, parts, thread) for every part < parts (0: size()) on the pool's threads,
  // the caller included (see PartRanges for which thread runs which part). Returns when all
  // parts are done. Not reentrant.
  void run(Task task, void* context, int parts = 0);

  static int physicalCores();

 private:
  void work(int thread);
  void runParts(int thread, uint32_t generation);

  std::vector<std::thread> workers_;
  PartRanges ranges_;
  // The dispatch: workers wake when it changes; the claims in ranges_ carry it too.
  std::atomic<uint32_t> generation_{0};
  std::atomic<int> done_{0};
  std::atomic<bool> stop_{false};
  Task task_ = nullptr;
  void* context_ = nullptr;
  int parts_ = 0;
};

}  // namespace q3c
