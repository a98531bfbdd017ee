// Decode's weight streaming without the model: the Qwen3-4B's one-row products (36 layers of
// fused q/k/v, o_proj, gate/up as 3 gate + 3 up rows, down; then the lm_head: 8.04 GB of bf16
// laid out like the weights, on huge pages) run as the jit's 1 x 6 dot tiles, 16 parts per
// thread on the thread pool, in blocks of tokens that alternate with other ways of reading the
// same bytes. Each block is judged against the 1 GB read probe's samples before and after it,
// as `q3c bench` judges decode, so the ways compare at the same moments of a noisy machine:
//
//   tiles       the dot tiles as the jit calls them (weights as the dots' memory operands)
//   tiles-load  the same tiles loading each weight vector before its dot
//   read-parts  the read probe's loop over each product's bytes, in the same parts
//   read        the read probe's loop over all 8 GB at once
//
//   decode_stream_bench [--rounds N] [--tokens N] [--threads N]     (needs ~9.2 GB of memory)
//
// It answers "is decode's access pattern what keeps it below the probe?" in a minute, where the
// model needs many runs; docs/kernels.md ("The GEMV's access pattern") has what it found.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "codegen/xbyak/cpu.h"
#include "codegen/xbyak/dot_tile.h"
#include "codegen/xbyak/peak.h"
#include "frontend/huge_pages.h"
#include "runtime/thread_pool.h"

using namespace q3c;

namespace {

struct Product {
  int64_t K, N;  // weight [N, K] in bf16
  bool swiglu;   // N = gate rows then up rows; a tile takes 3 of each
  const uint8_t* w = nullptr;
};

struct Call {
  const Product* p;
  const uint16_t* a;
  float* out;
  const xbyak::DotTileFn* tile;  // the one-row tiles: tile[nr - 1]
  xbyak::Isa isa;
  bool read;  // the read loop over the part's bytes instead of the tiles
};

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// One part of a product: a contiguous range of 6-row panels (3 + 3 for SwiGLU), like the jit's.
void runPart(void* context, int part, int parts, int) {
  const Call& c = *static_cast<const Call*>(context);
  const Product& p = *c.p;
  const int64_t rowBytes = p.K * 2, panel = p.swiglu ? 3 : 6, cols = p.swiglu ? p.N / 2 : p.N;
  const int64_t panels = (cols + panel - 1) / panel;
  const int64_t lo = panels * part / parts * panel, hi = std::min(cols, panels * (part + 1) / parts * panel);
  if (c.read) {  // the part's rows (and their up rows), in whole KB: the read loop's unit
    const int64_t from = lo * rowBytes / 1024 * 1024, to = hi * rowBytes / 1024 * 1024;
    if (to <= from) return;
    xbyak::readBandwidth(c.isa, p.w + from, static_cast<size_t>(to - from), 1);
    if (p.swiglu) xbyak::readBandwidth(c.isa, p.w + cols * rowBytes + from, static_cast<size_t>(to - from), 1);
    return;
  }
  const void* rows[6];
  float sums[6];  // a one-row tile writes its row's nr sums
  xbyak::DotTileArgs args{c.a, 0, rows, sums, nullptr, 0, p.K, xbyak::kFinish};
  for (int64_t n = lo; n < hi; n += panel) {
    const int64_t nOut = std::min(panel, hi - n);
    for (int64_t r = 0; r < nOut; ++r) {
      rows[r] = p.w + (n + r) * rowBytes;
      if (p.swiglu) rows[nOut + r] = p.w + (n + r + cols) * rowBytes;
    }
    c.tile[(p.swiglu ? 2 * nOut : nOut) - 1](&args);
    for (int64_t r = 0; r < nOut; ++r) c.out[n + r] = sums[r];
  }
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 6, tokens = 4, threads = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--rounds" || a == "--tokens" || a == "--threads") && i + 1 < argc) {
      (a == "--rounds" ? rounds : a == "--tokens" ? tokens : threads) = std::max(a == "--threads" ? 0 : 1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: %s [--rounds N] [--tokens N] [--threads N]\n", argv[0]);
      return a == "-h" || a == "--help" ? 0 : 2;
    }
  }
  const xbyak::Isa isa = xbyak::selectIsa("native");
  if (isa != xbyak::Isa::Avx512Bf16) {
    std::fprintf(stderr, "decode_stream_bench: the bf16 dot tiles need AVX512-BF16, which this CPU lacks\n");
    return 2;
  }
  std::vector<Product> products;
  for (int l = 0; l < 36; ++l)
    for (Product p : {Product{2560, 6144, false}, Product{4096, 2560, false}, Product{2560, 19456, true}, Product{9728, 2560, false}})
      products.push_back(p);
  products.push_back({2560, 151936, false});
  size_t total = 0;
  for (const Product& p : products) total += static_cast<size_t>(p.K * p.N * 2);
  std::fprintf(stderr, "decode_stream_bench: filling %.2f GB of weights and the 1 GB probe ...\n", total * 1e-9);
  const std::shared_ptr<uint8_t> weights = mapHugePages(total, "the weights");
  const std::shared_ptr<uint8_t> probeBuffer = mapHugePages(size_t(1) << 30, "the bandwidth probe");
  {
    auto* words = reinterpret_cast<uint64_t*>(weights.get());  // bf16 values around 1, all different
    for (size_t i = 0; i < total / 8; ++i) words[i] = 0x3f803f803f803f80ull + (i & 0x007f007f007f007full);
    std::memset(probeBuffer.get(), 1, size_t(1) << 30);
  }
  size_t at = 0;
  for (Product& p : products) {
    p.w = weights.get() + at;
    at += static_cast<size_t>(p.K * p.N * 2);
  }
  std::vector<uint16_t> a(9728, 0x3f80);
  std::vector<float> out(151936);
  const xbyak::DotTileSet memoryOperand(isa, ir::DType::BF16, ir::DType::BF16),
      loadThenDot(isa, ir::DType::BF16, ir::DType::BF16, false);
  ThreadPool pool(threads);
  const int parts = pool.size() * 16;  // decode's parts per thread (codegen/llvm/llvm_executable.cpp)
  auto probe = [&] {
    return std::max(xbyak::readBandwidth(isa, probeBuffer.get(), size_t(1) << 30, pool.size()),
                    xbyak::readBandwidth(isa, probeBuffer.get(), size_t(1) << 30, pool.size()));
  };
  const char* names[] = {"tiles", "tiles-load", "read-parts", "read"};
  std::vector<std::vector<double>> fractions(4);
  std::printf("%d threads, %d rounds of blocks of %d tokens (%.2f GB a token); GB/s (fraction of the probe around it)\n",
              pool.size(), rounds, tokens, total * 1e-9);
  double before = probe();
  for (int r = 0; r < rounds; ++r) {
    std::printf("round %d, probe %.1f:", r + 1, before);
    for (int way = 0; way < 4; ++way) {
      const double t0 = now();
      for (int t = 0; t < tokens; ++t) {
        if (way == 3) {
          xbyak::readBandwidth(isa, weights.get(), total, pool.size());
          continue;
        }
        for (const Product& p : products) {
          Call c{&p, a.data(), out.data(), (way == 1 ? loadThenDot : memoryOperand).table(), isa, way == 2};
          pool.run(runPart, &c, parts);
        }
      }
      const double gbs = static_cast<double>(tokens) * total / (now() - t0) * 1e-9, after = probe();
      fractions[way].push_back(gbs / ((before + after) / 2));
      std::printf("  %s %.1f (%.2f)", names[way], gbs, fractions[way].back());
      before = after;
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  for (int way = 0; way < 4; ++way) {
    std::vector<double> f = fractions[way];
    std::sort(f.begin(), f.end());
    std::printf("%-10s median %.3f of the probe (%.3f .. %.3f)\n", names[way], f[f.size() / 2], f.front(), f.back());
  }
  return 0;
}
