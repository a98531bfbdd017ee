#include "tools/bench_bounds.h"

#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "frontend/error.h"

namespace q3c::tools {

BandwidthProbe::BandwidthProbe(int threads) : threads_(std::max(1, threads)), bytes_(size_t(1) << 30) {
  void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw Error("bench: cannot allocate 1 GB for the bandwidth probe");
  madvise(p, bytes_, MADV_HUGEPAGE);  // like the weights (see WeightStore::residentCopy)
  data_ = static_cast<float*>(p);
  std::fill(data_, data_ + bytes_ / sizeof(float), 1.0f);
}

BandwidthProbe::~BandwidthProbe() { munmap(data_, bytes_); }

double BandwidthProbe::measure() const {
  const size_t n = bytes_ / sizeof(float), per = n / threads_ / 16 * 16;
  double best = 0;
  for (int pass = 0; pass < 3; ++pass) {
    std::vector<std::thread> pool;
    std::vector<float> sums(threads_);
    auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads_; ++t)
      pool.emplace_back([&, t] {
        const float* p = data_ + per * t;
        float acc[16] = {};  // 16 independent sums: vectorized, never latency-bound
        for (size_t i = 0; i < per; i += 16)
          for (int j = 0; j < 16; ++j) acc[j] += p[i + j];
        for (float a : acc) sums[t] += a;
      });
    for (auto& th : pool) th.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, static_cast<double>(per * threads_ * sizeof(float)) / secs * 1e-9);
    if (sums[0] == 42) std::fputc(' ', stderr);  // keep the sums alive
  }
  return best;
}

TokenCost tokenCost(const Model& m, const ir::Graph& g, double context, double outputRows) {
  const ModelConfig& c = m.config;
  TokenCost t{};
  for (const auto& [name, view] : m.weights.tensors())
    if (c.tieWordEmbeddings || name != "model.embed_tokens.weight") t.weightBytes += static_cast<double>(view->bytes);
  t.kvBytes = 2.0 * c.numLayers * c.numKvHeads * c.headDim * context * sizeof(float);
  double productWeights = 0;
  for (const ir::Node& n : g.nodes())
    if (n.op == ir::OpKind::MatMul || n.op == ir::OpKind::MatMulAdd || n.op == ir::OpKind::MatMulSwiglu ||
        n.op == ir::OpKind::QkvRopeKv) {
      const ir::TensorType& w = g.value(n.operands[1]).type;
      const double rows = n.result == g.outputs()[0] ? outputRows : 1.0;
      productWeights += rows * static_cast<double>(w.shape[0].value) * static_cast<double>(w.shape[1].value);
    }
  // Scores and the weighted sum of values: 2 x 2 x heads x head_dim FLOPs per past position.
  t.flops = 2 * productWeights + 4.0 * c.numLayers * c.numHeads * c.headDim * context;
  return t;
}

}  // namespace q3c::tools
