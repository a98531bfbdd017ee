#include "runtime/thread_pool.h"

#include <fstream>
#include <set>
#include <string>
#include <utility>

namespace q3c {

namespace {

void relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

constexpr int kSpins = 20000;  // ~tens of microseconds: covers the gap between two kernels

}  // namespace

int ThreadPool::physicalCores() {
  std::set<std::pair<std::string, std::string>> cores;  // (package, core) pairs
  for (unsigned cpu = 0; cpu < 4096; ++cpu) {
    std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream core(base + "core_id"), package(base + "physical_package_id");
    if (!core) break;
    std::string c, p;
    core >> c;
    package >> p;
    cores.insert({p, c});
  }
  if (!cores.empty()) return static_cast<int>(cores.size());
  unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 1;
}

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = physicalCores();
  for (int part = 1; part < threads; ++part) workers_.emplace_back([this, part] { work(part); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  generation_.fetch_add(1);
  generation_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run(Task task, void* context) {
  if (workers_.empty()) {
    task(context, 0, 1);
    return;
  }
  task_ = task;
  context_ = context;
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  task(context, 0, size());
  while (pending_.load(std::memory_order_acquire) != 0) relax();
}

void ThreadPool::work(int part) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t now = generation_.load(std::memory_order_acquire);
    for (int spin = 0; now == seen && spin < kSpins; ++spin) {
      relax();
      now = generation_.load(std::memory_order_acquire);
    }
    if (now == seen) {
      generation_.wait(seen, std::memory_order_acquire);  // idle: sleep until the next dispatch
      continue;
    }
    seen = now;
    if (stop_.load()) return;
    task_(context_, part, size());
    pending_.fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace q3c
