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

namespace {

constexpr uint64_t kPartBits = 16, kPartMask = (uint64_t(1) << kPartBits) - 1;
uint64_t generationOf(uint64_t state) { return state >> 32; }
int partsOf(uint64_t state) { return static_cast<int>((state >> kPartBits) & kPartMask); }
int nextOf(uint64_t state) { return static_cast<int>(state & kPartMask); }

}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = physicalCores();
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  state_.store((generationOf(state_.load()) + 1) << 32, std::memory_order_release);
  state_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run(Task task, void* context, int parts) {
  if (parts <= 0) parts = size();
  if (static_cast<uint64_t>(parts) > kPartMask / 2) throw std::invalid_argument("ThreadPool::run: too many parts");
  if (workers_.empty()) {
    for (int p = 0; p < parts; ++p) task(context, p, parts);
    return;
  }
  task_ = task;
  context_ = context;
  done_.store(0, std::memory_order_relaxed);
  const uint64_t generation = generationOf(state_.load(std::memory_order_relaxed)) + 1;
  state_.store((generation << 32) | (static_cast<uint64_t>(parts) << kPartBits), std::memory_order_release);
  state_.notify_all();
  claimParts();
  while (done_.load(std::memory_order_acquire) != parts) relax();
}

void ThreadPool::claimParts() {
  for (;;) {
    // A claim past the last part only raises `next` further: at most one per thread per
    // dispatch, far below the 16 bits (run() caps parts at half of them).
    const uint64_t claimed = state_.fetch_add(1, std::memory_order_acq_rel);
    const int part = nextOf(claimed), parts = partsOf(claimed);
    if (part >= parts) return;
    task_(context_, part, parts);
    done_.fetch_add(1, std::memory_order_release);
  }
}

void ThreadPool::work() {
  uint64_t seen = 0;  // the generation this thread last took part in
  for (;;) {
    uint64_t now = state_.load(std::memory_order_acquire);
    for (int spin = 0; generationOf(now) == seen && spin < kSpins; ++spin) {
      relax();
      now = state_.load(std::memory_order_acquire);
    }
    if (generationOf(now) == seen) {
      state_.wait(now, std::memory_order_acquire);  // idle: sleep until the word changes
      continue;
    }
    seen = generationOf(now);
    if (stop_.load()) return;
    claimParts();
  }
}

}  // namespace q3c
