// A persistent pool of worker threads for kernels split into parts (static partitioning).
// Dispatch is an atomic generation counter the workers spin on briefly and then wait on, so a
// step allocates and locks nothing. The runtime owns it; executables borrow it.
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
  // Runs task(context, part, size()) for every part; the caller runs part 0. Returns when all
  // parts are done. Not reentrant.
  void run(Task task, void* context);

  static int physicalCores();

 private:
  void work(int part);

  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  Task task_ = nullptr;
  void* context_ = nullptr;
};

}  // namespace q3c
