#include "codegen/xbyak/peak.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include <xbyak/xbyak_util.h>

#include "codegen/xbyak/amx_gemm.h"
#include "codegen/xbyak/generator.h"

namespace q3c::xbyak {

namespace {

using LoopFn = void (*)(int64_t iterations);

// `accs` independent accumulators, each updated once per iteration, so the loop runs at the
// instruction's throughput rather than its latency.
class PeakLoop : public Generator {
 public:
  enum Kind { Fma, Bf16Dot, Int8Dot, Int16MulAdd, BytePairMulAdd };
  PeakLoop(Isa isa, Kind kind, int accs) : Generator("peak_loop", 1024) {
    using namespace Xbyak;
    const bool wide = isa != Isa::Avx2;
    auto vec = [&](int i) -> Xmm { return wide ? Xmm(Zmm(i)) : Xmm(Ymm(i)); };
    const int a = accs, b = accs + 1;
    for (int i = 0; i < accs + 2; ++i) vxorps(vec(i), vec(i), vec(i));
    Label loop;
    L(loop);
    for (int i = 0; i < accs; ++i) {
      if (kind == Bf16Dot) vdpbf16ps(Zmm(i), Zmm(a), Zmm(b));
      else if (kind == Int8Dot) vpdpbusd(Zmm(i), Zmm(a), Zmm(b), EvexEncoding);
      else if (kind == Int16MulAdd) vpmaddwd(Ymm(i), Ymm(a), Ymm(b));
      else if (kind == BytePairMulAdd) vpmaddubsw(Ymm(i), Ymm(a), Ymm(b));
      else vfmadd231ps(vec(i), vec(a), vec(b));
    }
    dec(rdi);
    jnz(loop, T_NEAR);
    vzeroupper();
    ret();
    fn = finish<LoopFn>();
  }
  LoopFn fn;
};

// AMX: four independent accumulator tiles, each one tdpbf16ps (16 x 16 x 32) or tdpbssd
// (16 x 16 x 64) per iteration, on zeroed operand tiles. The loop counter is rdi, as for PeakLoop.
class AmxPeakLoop : public Generator {
 public:
  explicit AmxPeakLoop(AmxDot dot) : Generator(dot == AmxDot::Int8 ? "amx_int8_peak_loop" : "amx_peak_loop", 1024) {
    using namespace Xbyak;
    mov(rax, reinterpret_cast<uint64_t>(amxTileConfig()));
    ldtilecfg(ptr[rax]);
    for (int t = 0; t < 8; ++t) tilezero(Tmm(t));
    Label loop;
    L(loop);
    const Tmm acc[4] = {tmm0, tmm1, tmm2, tmm3}, left[2] = {tmm4, tmm5}, right[2] = {tmm6, tmm7};
    for (int t = 0; t < 4; ++t) emitAmxDot(*this, dot, acc[t], left[t / 2], right[t % 2]);
    dec(rdi);
    jnz(loop, T_NEAR);
    tilerelease();
    ret();
    fn = finish<LoopFn>();
  }
  LoopFn fn;
};

using ReadFn = void (*)(const void* begin, const void* end);

// Reads [begin, end) 256 bytes (AVX2: 128) per iteration into four independent accumulators.
class ReadLoop : public Generator {
 public:
  explicit ReadLoop(Isa isa) : Generator("read_loop", 1024) {
    using namespace Xbyak;
    const bool wide = isa != Isa::Avx2;
    const int vec = wide ? 64 : 32;
    for (int i = 0; i < 4; ++i) wide ? vpxord(Zmm(i), Zmm(i), Zmm(i)) : vpxor(Ymm(i), Ymm(i), Ymm(i));
    Label loop, done;
    cmp(rdi, rsi);
    jae(done, T_NEAR);
    L(loop);
    for (int i = 0; i < 4; ++i) {
      if (wide) vpaddd(Zmm(i), Zmm(i), zword[rdi + i * vec]);
      else vpaddd(Ymm(i), Ymm(i), yword[rdi + i * vec]);
    }
    add(rdi, 4 * vec);
    cmp(rdi, rsi);
    jb(loop, T_NEAR);
    L(done);
    vzeroupper();
    ret();
    fn = finish<ReadFn>();
  }
  ReadFn fn;
};

}  // namespace

double readBandwidth(Isa isa, const void* data, size_t bytes, int threads) {
  static ReadLoop avx2(Isa::Avx2), avx512(Isa::Avx512);
  const ReadFn fn = isa == Isa::Avx2 ? avx2.fn : avx512.fn;
  threads = std::max(1, threads);
  const size_t per = bytes / static_cast<size_t>(threads) / 1024 * 1024;
  const auto* base = static_cast<const uint8_t*>(data);
  std::vector<std::thread> pool;
  auto t0 = std::chrono::steady_clock::now();
  for (int t = 1; t < threads; ++t) pool.emplace_back([&, t] { fn(base + per * t, base + per * (t + 1)); });
  fn(base, base + per);
  for (auto& th : pool) th.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return static_cast<double>(per * threads) / secs * 1e-9;
}

namespace {

// Median of 5 runs of `threads` copies of the loop; `opsPerInstr` counts a multiply-add as 2.
template <class Loop>
double runPeak(const Loop& loop, int accs, double opsPerInstr, int threads, int64_t iterations = 20'000'000) {
  std::vector<double> runs;
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<std::thread> pool;
    auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) pool.emplace_back([&] { loop.fn(iterations); });
    for (auto& th : pool) th.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    runs.push_back(static_cast<double>(iterations) * accs * opsPerInstr * threads / secs * 1e-9);
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

}  // namespace

PeakResult measurePeak(Isa isa, bool bf16, int threads) {
  const bool dp = bf16 && isa == Isa::Avx512Bf16;
  const int accs = isa == Isa::Avx2 ? 12 : 24;
  const double lanes = isa == Isa::Avx2 ? 8 : 16;
  PeakLoop loop(isa, dp ? PeakLoop::Bf16Dot : PeakLoop::Fma, accs);
  return {runPeak(loop, accs, lanes * 2 * (dp ? 2 : 1), threads),
          dp ? "vdpbf16ps" : (isa == Isa::Avx2 ? "vfmadd231ps ymm" : "vfmadd231ps zmm")};
}

PeakResult measureInt8Peak(Isa isa, int threads) {
  if (isa == Isa::Avx2) {
    // Without it the int16 tiles' vpmaddwd: 16 multiply-adds per instruction. (Their vpaddd,
    // one per vpmaddwd, issues on other pipes on the Zens.)
    const int accs = 12;
    PeakLoop loop(isa, PeakLoop::Int16MulAdd, accs);
    return {runPeak(loop, accs, 16 * 2, threads), "vpmaddwd ymm"};
  }
  if (!Xbyak::util::Cpu().has(Xbyak::util::Cpu::tAVX512_VNNI)) return {0, "none (no AVX512-VNNI)"};
  const int accs = 24;
  PeakLoop loop(isa, PeakLoop::Int8Dot, accs);
  return {runPeak(loop, accs, 64 * 2, threads), "vpdpbusd zmm"};  // 64 u8 x s8 products per instruction
}

PeakResult measureBytePairPeak(int threads) {
  const int accs = 12;
  PeakLoop loop(Isa::Avx2, PeakLoop::BytePairMulAdd, accs);
  return {runPeak(loop, accs, 32 * 2, threads), "vpmaddubsw ymm"};
}

PeakResult measureAmxBf16Peak(int threads) {
  if (!requestAmx()) return {0, "none (no AMX-BF16)"};
  static const AmxPeakLoop loop(AmxDot::Bf16);
  // One tdpbf16ps is 16 x 16 x 32 multiply-adds in ~16 cycles: 2M iterations of 4, ~128M cycles.
  return {runPeak(loop, 4, 16.0 * 16 * 32 * 2, threads, 2'000'000), "tdpbf16ps (AMX)"};
}

PeakResult measureAmxInt8Peak(int threads) {
  if (!requestAmxInt8()) return {0, "none (no AMX-INT8)"};
  static const AmxPeakLoop loop(AmxDot::Int8);
  return {runPeak(loop, 4, 16.0 * 16 * 64 * 2, threads, 2'000'000), "tdpbssd (AMX)"};
}

}  // namespace q3c::xbyak
