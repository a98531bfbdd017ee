// A persistent pool of worker threads for kernels split into parts. A kernel's parts are fixed
// ranges of its work (static partitioning: part p of n always covers the same rows); the
// threads claim the parts in turn from one atomic counter, so a thread that the host stalls
// holds up at most the part it is on while the others take the rest. Dispatch is an atomic
// word the workers spin on briefly and then wait on, so a step allocates and locks nothing.
// The runtime owns the pool; executables borrow it.
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace q3c {

class ThreadPool {
 public:
  using Task = void (*)(void* context, int part, int parts);

  // `threads` in all, the calling thread included; 0: one per physical core.
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Runs task(context, part, parts) for every part < parts (0: size()), on whichever threads
  // claim them first, the caller included. Returns when all parts are done. Not reentrant.
  void run(Task task, void* context, int parts = 0);

  static int physicalCores();

 private:
  void work();
  void claimParts();

  std::vector<std::thread> workers_;
  // The dispatch: generation (high 32 bits), parts (16 bits), next unclaimed part (low 16).
  // One word, so a claim made by a thread that woke late can only take a part of the dispatch
  // that is live, and the task it runs is that dispatch's (the caller waits for every part).
  std::atomic<uint64_t> state_{0};
  std::atomic<int> done_{0};
  std::atomic<bool> stop_{false};
  Task task_ = nullptr;
  void* context_ = nullptr;
};

}  // namespace q3c
