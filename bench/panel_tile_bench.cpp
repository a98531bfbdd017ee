// Microbenchmarks (Google Benchmark) of AVX2's packed-panel tiles on quantized weights, alone:
// one tile of 3 rows x 48 columns over a chunk of 256 k held in L1, called again and again
// (resuming its sums), on one thread, beside the one-thread peaks of the instructions they
// are judged by. The int16 tiles (int8 weights, vpmaddwd on int16 codes) at groups of 32 and
// 128; the int4 madd tiles (int4 weights, vpmaddubsw on byte codes) in blocks of 32, without
// and with zero points. Counters: GOP/s (a multiply-add counts 2).
//
//   build/bench/panel_tile_bench [--benchmark_repetitions=5] [--benchmark_filter=int4]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "codegen/xbyak/cpu.h"
#include "codegen/xbyak/int16_tile.h"
#include "codegen/xbyak/int4_madd_tile.h"
#include "codegen/xbyak/peak.h"

namespace {

using namespace q3c::xbyak;

constexpr int kRows = 3;
constexpr int64_t kK = 256;
constexpr double kOpsPerCall = 2.0 * kRows * 48 * kK;

// Records of kRows rows (codes of `codeBytes`, then an 8-byte entry per 16 k: enough for any
// group or block), packed weights, scales, mins and sums, all small enough for L1.
struct Operands {
  explicit Operands(int codeBytes)
      : ld(kK * codeBytes + 8 * (kK / 16)), records(kRows * ld, 1), packed(kK * 48 * 2, 3), scales(kK / 16 * 48, 1.0f),
        mins(kK / 16 * 48, -0.5f), sums(kRows * 48, 0.0f) {
    for (int i = 0; i < kRows; ++i)
      for (int64_t e = 0; e < kK / 16; ++e) {
        const float scale = 1e-3f;
        std::memcpy(&records[i * ld + kK * codeBytes + 8 * e], &scale, 4);
      }
  }
  int64_t ld;
  std::vector<uint8_t> records, packed;
  std::vector<float> scales, mins, sums;
};

void int16Tile(benchmark::State& state) {
  if (!hostCpu().avx2) return state.SkipWithError("no AVX2");
  const int64_t group = state.range(0);
  Operands o(2);
  Int16TileKernel tile(kRows, group);
  Int16TileArgs args{reinterpret_cast<const int16_t*>(o.records.data()), o.ld, o.records.data() + 2 * kK,
                     reinterpret_cast<const int16_t*>(o.packed.data()), o.scales.data(), o.sums.data(), kK / group,
                     kInt16Resume};
  for (auto _ : state) tile.fn()(&args);
  state.counters["GOP_per_s"] = benchmark::Counter(kOpsPerCall * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void int4MaddTile(benchmark::State& state) {
  if (!hostCpu().avx2) return state.SkipWithError("no AVX2");
  const bool zeroPoints = state.range(0) != 0;
  Operands o(1);
  Int4MaddTileKernel tile(kRows, kInt4MaddMaxBlock, zeroPoints);
  Int4MaddTileArgs args{reinterpret_cast<const int8_t*>(o.records.data()), o.ld, o.records.data() + kK, o.packed.data(),
                        o.scales.data(), o.sums.data(), kK / kInt4MaddMaxBlock, kInt4MaddResume, o.mins.data()};
  for (auto _ : state) tile.fn()(&args);
  state.counters["GOP_per_s"] = benchmark::Counter(kOpsPerCall * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void peak(benchmark::State& state, bool bytePairs) {
  if (!hostCpu().avx2) return state.SkipWithError("no AVX2");
  PeakResult r{};
  for (auto _ : state) r = bytePairs ? measureBytePairPeak(1) : measureInt8Peak(Isa::Avx2, 1);
  state.counters["GOP_per_s"] = r.gflops;
  state.SetLabel(r.instr);
}

}  // namespace

BENCHMARK_CAPTURE(peak, vpmaddwd, false)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(peak, vpmaddubsw, true)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(int16Tile)->ArgName("group")->Arg(32)->Arg(128);
BENCHMARK(int4MaddTile)->ArgName("zero_points")->Arg(0)->Arg(1);
BENCHMARK_MAIN();
