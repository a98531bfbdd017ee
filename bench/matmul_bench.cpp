// Microbenchmarks (Google Benchmark) of every Qwen3-4B matmul as the jit backend compiles it:
// one graph node (x [T, K] times a random bf16 weight [N, K]), run on the thread pool, at 1
// row (decode: memory bound, GB/s of weights) and 64 and 512 rows (prefill: compute bound,
// GFLOP/s). The weights are written once to a temporary safetensors file and loaded as a
// model's would be.
//
//   build/bench/matmul_bench [--benchmark_filter=lm_head] [--threads N] [--precision f32|bf16]
//                            [--quant int8|int4|int4zp [--group 32|128]]
// With --quant the weight goes through a quantize node (as the quantize-weights pass puts it),
// and weight_GB counts the quantized rows.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "codegen/backend.h"
#include "codegen/xbyak/amx_panel_tile.h"
#include "codegen/xbyak/peak.h"
#include "frontend/huge_pages.h"
#include "frontend/safetensors.h"
#include "frontend/weight_store.h"
#include "ir/graph.h"
#include "ir/quant.h"
#include "runtime/kv_cache.h"
#include "runtime/thread_pool.h"

namespace {

using namespace q3c;

struct Shape {
  const char* name;
  int64_t K, N;
  ir::OpKind op;
};

// The products of one Qwen3-4B layer (q/k/v and gate/up stacked, as the passes fuse them) and
// the lm_head.
const Shape kShapes[] = {{"qkv_2560x6144", 2560, 6144, ir::OpKind::MatMul},
                         {"o_proj_4096x2560", 4096, 2560, ir::OpKind::MatMul},
                         {"gate_up_2560x19456", 2560, 19456, ir::OpKind::MatMulSwiglu},
                         {"down_9728x2560", 9728, 2560, ir::OpKind::MatMul},
                         {"lm_head_2560x151936", 2560, 151936, ir::OpKind::MatMul}};

int gThreads = 0;
std::string gPrecision = "bf16", gIsa = "native", gQuant = "none";
int64_t gGroup = 0;

std::filesystem::path weightFile() {
  static const std::filesystem::path path = [] {
    auto p = std::filesystem::temp_directory_path() / ("q3c_matmul_bench_" + std::to_string(getpid()) + ".safetensors");
    std::vector<SafetensorsWriter::Spec> specs;
    for (const Shape& s : kShapes) specs.push_back({s.name, ir::DType::BF16, {s.N, s.K}});
    SafetensorsWriter w(p.string(), specs);
    std::mt19937 rng(1);
    std::vector<uint16_t> chunk(1 << 20);
    for (const Shape& s : kShapes)
      for (int64_t left = s.N * s.K; left > 0; left -= static_cast<int64_t>(chunk.size())) {
        const size_t n = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(chunk.size())));
        for (size_t i = 0; i < n; ++i) chunk[i] = static_cast<uint16_t>(0x3C00 + (rng() & 0x7FF) - 0x400);  // |w| ~ 1e-2
        w.write(chunk.data(), n * 2);
      }
    w.finish();
    return p;
  }();
  return path;
}

int64_t quantGroup() { return gGroup ? gGroup : gQuant == "int8" ? 128 : 32; }

// Bytes of the weight as the kernel reads it.
double weightBytes(const Shape& s) {
  if (gQuant == "none") return static_cast<double>(s.N * s.K * 2);
  ir::QuantFormat f;
  ir::parseQuantScheme(gQuant, f.scheme);
  f.group = quantGroup();
  return static_cast<double>(s.N * ir::quantRowBytes(f, s.K));
}

struct Compiled {
  WeightStore weights;
  std::unique_ptr<Executable> exe;
};

Compiled compile(const Shape& s) {
  Compiled c{WeightStore::open(weightFile().string()), nullptr};
  ir::Graph g;
  using ir::Dim;
  auto x = g.addNode(ir::OpKind::Input, {}, {{"name", std::string("x")}}, {ir::DType::F32, {Dim::tokens(), Dim::of(s.K)}}, "x");
  auto w = g.addNode(ir::OpKind::Weight, {}, {{"name", std::string(s.name)}}, {ir::DType::BF16, {Dim::of(s.N), Dim::of(s.K)}}, "w");
  const int64_t out = s.op == ir::OpKind::MatMulSwiglu ? s.N / 2 : s.N;
  if (gQuant != "none") {
    ir::QuantFormat f;
    ir::parseQuantScheme(gQuant, f.scheme);
    const std::map<std::string, ir::Attr> attrs = {{"quant", gQuant}, {"group", quantGroup()}};
    w = g.addNode(ir::OpKind::Quantize, {w}, attrs, {ir::quantDType(f.scheme), {Dim::of(s.N), Dim::of(s.K)}}, "wq");
  }
  g.addOutput(g.addNode(s.op, {x, w}, {}, {ir::DType::F32, {Dim::tokens(), Dim::of(out)}}, "y"));
  BackendOptions opt;
  opt.isa = gIsa;
  opt.precision = gPrecision;
  opt.kernelCacheDir = defaultKernelCacheDir();
  c.exe = createBackend("jit", opt)->compile(g, c.weights);
  return c;
}

void runMatMul(benchmark::State& state, const Shape& s) {
  static ThreadPool pool(gThreads);
  Compiled c = compile(s);
  const int64_t T = state.range(0);
  std::vector<float> x(static_cast<size_t>(T * s.K));
  std::mt19937 rng(2);
  std::normal_distribution<float> dist;
  for (float& v : x) v = dist(rng);
  KvCache kv(1, 1, 1, T);  // unused by a matmul, but run() checks the context fits
  for (auto _ : state) {
    kv.clear();
    c.exe->run(reinterpret_cast<const int32_t*>(x.data()), T, kv, &pool);  // the graph's input is x
  }
  const double bytes = weightBytes(s), flops = 2.0 * T * s.N * s.K;
  state.counters["weight_GB"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = pool.size();
}

// The bound of the 1-row cases: reading 1 GB of huge-page memory on as many threads, with the
// ISA's widest loads (best pass).
void readBandwidth(benchmark::State& state) {
  static ThreadPool pool(gThreads);
  const size_t bytes = size_t(1) << 30;
  const std::shared_ptr<uint8_t> mem = mapHugePages(bytes, "the bandwidth probe");
  std::memset(mem.get(), 1, bytes);
  double best = 0;
  for (auto _ : state) best = std::max(best, xbyak::readBandwidth(xbyak::selectIsa(gIsa), mem.get(), bytes, pool.size()));
  state.counters["read_GB_per_s"] = best;
  state.counters["threads"] = pool.size();
}

// The bound of the many-row cases: the dot instruction's peak on the same number of threads
// (tdpbf16ps where the bf16 products run on the AMX panel tiles; for quantized weights on
// integer tiles, --precision other than f32, the integer instruction's: vpdpbusd, or on AVX2
// vpmaddubsw for int4 and int4zp and vpmaddwd for int8).
void peakDot(benchmark::State& state) {
  const xbyak::Isa isa = xbyak::selectIsa(gIsa);
  const bool amx = gPrecision == "bf16" && gQuant == "none" && xbyak::amxPanelsAllowed(gIsa);
  const bool integer = gQuant != "none" && gPrecision != "f32";
  const bool bytePairs = integer && isa == xbyak::Isa::Avx2 && gQuant != "int8";
  static ThreadPool pool(gThreads);
  xbyak::PeakResult r{};
  for (auto _ : state)
    r = amx         ? xbyak::measureAmxBf16Peak(pool.size())
        : bytePairs ? xbyak::measureBytePairPeak(pool.size())
        : integer   ? xbyak::measureInt8Peak(isa, pool.size())
                    : xbyak::measurePeak(isa, gPrecision == "bf16", pool.size());
  if (r.gflops == 0) r = xbyak::measurePeak(isa, gPrecision == "bf16", pool.size());  // AVX-512 without VNNI: FMA tiles
  state.counters["GFLOP_per_s"] = r.gflops;
  state.SetLabel(r.instr);
}

}  // namespace

int main(int argc, char** argv) {
  // Our own flags first; the rest are Google Benchmark's.
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) gThreads = std::atoi(argv[++i]);
    else if (a == "--precision" && i + 1 < argc) gPrecision = argv[++i];
    else if (a == "--isa" && i + 1 < argc) gIsa = argv[++i];
    else if (a == "--quant" && i + 1 < argc) gQuant = argv[++i];
    else if (a == "--group" && i + 1 < argc) gGroup = std::atoll(argv[++i]);
    else rest.push_back(argv[i]);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RegisterBenchmark("peak_dot", peakDot)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
  benchmark::RegisterBenchmark("read_bandwidth_1GB", readBandwidth)->Unit(benchmark::kMillisecond)->UseRealTime();
  for (const Shape& s : kShapes)
    benchmark::RegisterBenchmark(s.name, [&s](benchmark::State& st) { runMatMul(st, s); })
        ->Arg(1)
        ->Arg(64)
        ->Arg(512)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::filesystem::remove(weightFile());
  return 0;
}
