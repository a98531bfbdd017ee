#include "runtime/thread_pool.h"

#include <fstream>
#include <stdexcept>
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

ThreadPool::ThreadPool(int threads) : ranges_(threads > 0 ? threads : physicalCores()) {
  for (int t = 1; t < ranges_.threads(); ++t) workers_.emplace_back([this, t] { work(t); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run(Task task, void* context, int parts) {
  if (parts <= 0) parts = size();
  if (parts > PartRanges::kMaxParts) throw std::invalid_argument("ThreadPool::run: too many parts");
  if (workers_.empty()) {
    for (int p = 0; p < parts; ++p) task(context, p, parts, 0);
    return;
  }
  task_ = task;
  context_ = context;
  parts_ = parts;
  done_.store(0, std::memory_order_relaxed);
  const uint32_t generation = generation_.load(std::memory_order_relaxed) + 1;
  ranges_.reset(generation, parts);
  generation_.store(generation, std::memory_order_release);
  generation_.notify_all();
  runParts(0, generation);
  while (done_.load(std::memory_order_acquire) != parts) relax();
}

void ThreadPool::runParts(int thread, uint32_t generation) {
  // A claim only succeeds while `generation` is live, so task_ and parts_ are that dispatch's:
  // the caller does not start another before every part is done.
  for (int part; (part = ranges_.claim(thread, generation)) >= 0;) {
    task_(context_, part, parts_, thread);
    done_.fetch_add(1, std::memory_order_release);
  }
}

void ThreadPool::work(int thread) {
  uint32_t seen = 0;  // the generation this thread last took part in
  for (;;) {
    uint32_t now = generation_.load(std::memory_order_acquire);
    for (int spin = 0; now == seen && spin < kSpins; ++spin) {
      relax();
      now = generation_.load(std::memory_order_acquire);
    }
    if (now == seen) {
      generation_.wait(now, std::memory_order_acquire);  // idle: sleep until the word changes
      continue;
    }
    seen = now;
    if (stop_.load()) return;
    runParts(thread, now);
  }
}

}  // namespace q3c
