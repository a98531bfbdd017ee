// The packed-panel GEMM tiles against a double reference: the int8-dot tiles
// (codegen/xbyak/int8_tile.h) from the same integer codes and scales, every row count, the
// group sizes q3c's formats use, one and several groups per call; the AVX2 int16 tiles
// (codegen/xbyak/int16_tile.h) and the AVX2 int4 madd tiles (codegen/xbyak/int4_madd_tile.h)
// likewise, at the extremes of their exactness bounds; the bf16 tiles
// (codegen/xbyak/bf16_panel_tile.h), every row count, odd and unrolled step counts. Fresh and
// resumed sums, and nothing written outside the tile.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include "codegen/xbyak/bf16_panel_tile.h"
#include "codegen/xbyak/cpu.h"
#include "codegen/xbyak/int16_tile.h"
#include "codegen/xbyak/int4_madd_tile.h"
#include "codegen/xbyak/int8_tile.h"
#include "ir/types.h"

namespace q3c::xbyak {
namespace {

constexpr int kCols = kInt8TileCols;

struct Case {
  int mr;
  int64_t group, groups;
  bool resume;
};

// The sums a tile starts from: a guard value, or (resume) random priors; with a guard band
// after the tile.
constexpr float kGuard = 12345.0f;
struct TileOutput {
  std::vector<float> out, before;
};
TileOutput tileOutput(const Case& c, std::mt19937& rng) {
  TileOutput o{std::vector<float>(c.mr * kCols + 64, kGuard), std::vector<float>(c.mr * kCols)};
  std::normal_distribution<float> prior(0.0f, 1.0f);
  for (int i = 0; i < c.mr * kCols; ++i) o.out[i] = o.before[i] = c.resume ? prior(rng) : kGuard;
  return o;
}

// out[i][col] == before (resume) + sum over groups of the exact integer dot of row i's codes
// `a` and column col's codes `w` ([k][48]) times the weight and activation group scales, to
// 1e-5 of the terms' magnitudes (plus `extra[i][col]` where given: zero-point terms); nothing
// written past the tile.
void expectGroupScaledSums(const Case& c, const std::vector<int>& a, const std::vector<int>& w,
                           const std::vector<float>& ws, const std::vector<float>& sa, const std::vector<float>& out,
                           const std::vector<float>& before, const std::vector<double>& extra = {}) {
  const int64_t K = c.group * c.groups, ngroups = c.groups;
  for (int i = 0; i < c.mr; ++i)
    for (int col = 0; col < kCols; ++col) {
      double want = c.resume ? before[i * kCols + col] : 0.0, mag = std::fabs(want);
      if (!extra.empty()) {
        want += extra[i * kCols + col];
        mag += std::fabs(extra[i * kCols + col]);
      }
      for (int64_t g = 0; g < ngroups; ++g) {
        int64_t dot = 0;
        for (int64_t k = g * c.group; k < (g + 1) * c.group; ++k) dot += int64_t(a[i * K + k]) * w[k * kCols + col];
        const double term = double(dot) * ws[g * kCols + col] * sa[i * ngroups + g];
        want += term;
        mag += std::fabs(term);
      }
      ASSERT_NEAR(out[i * kCols + col], want, 1e-5 * mag + 1e-30)
          << "mr " << c.mr << " group " << c.group << " groups " << ngroups << " row " << i << " col " << col;
    }
  for (size_t i = c.mr * kCols; i < out.size(); ++i) ASSERT_EQ(out[i], kGuard) << "wrote past the tile at " << i;
}

// Activation records in the int8 tiles' layout (int8_tile.h; the int4 madd tiles read it too):
// per row i its K codes, code(i) each, then per group {scale, second field}, the second field
// second(i, g, the group's code sum, its scale) as 4 bytes (an int32 correction or an f32
// factor). With the codes and scales, for the reference.
struct Int8Records {
  int64_t ld;                  // record stride in bytes, padded
  std::vector<uint8_t> bytes;  // the records
  std::vector<int> a;          // codes, [row][K]
  std::vector<float> sa;       // scales, [row][group]
};
template <class Code, class Second>
Int8Records int8Records(const Case& c, std::mt19937& rng, Code code, Second second) {
  const int64_t K = c.group * c.groups, ld = K + 8 * c.groups + 12;
  std::uniform_real_distribution<float> scale(0.001f, 0.02f);
  Int8Records r{ld, std::vector<uint8_t>(ld * c.mr + 64), std::vector<int>(c.mr * K), std::vector<float>(c.mr * c.groups)};
  for (int i = 0; i < c.mr; ++i) {
    for (int64_t k = 0; k < K; ++k) {
      r.a[i * K + k] = code(i);
      r.bytes[i * ld + k] = static_cast<uint8_t>(static_cast<int8_t>(r.a[i * K + k]));
    }
    for (int64_t g = 0; g < c.groups; ++g) {
      int32_t sum = 0;
      for (int64_t k = 0; k < c.group; ++k) sum += r.a[i * K + g * c.group + k];
      float& sa = r.sa[i * c.groups + g];
      sa = scale(rng);
      const auto field = second(i, g, sum, sa);
      static_assert(sizeof(field) == 4);
      std::memcpy(&r.bytes[i * ld + K + 8 * g], &sa, 4);
      std::memcpy(&r.bytes[i * ld + K + 8 * g + 4], &field, 4);
    }
  }
  return r;
}

void runCase(const Case& c, std::mt19937& rng) {
  const int64_t K = c.group * c.groups, ngroups = c.groups;
  std::uniform_int_distribution<int> code(-127, 127);
  std::uniform_real_distribution<float> scale(0.001f, 0.02f);
  // Activation records, the correction -128 x the codes' sum cancelling the weights' offset.
  const Int8Records rec = int8Records(c, rng, [&](int) { return code(rng); },
                                      [](int, int64_t, int32_t sum, float) { return -128 * sum; });
  // Packed weights: [k / 4][48][4] codes + 128, scales [group][48].
  std::vector<int> w(K * kCols);
  std::vector<uint8_t> packed(K * kCols);
  std::vector<float> ws(ngroups * kCols);
  for (int64_t k = 0; k < K; ++k)
    for (int col = 0; col < kCols; ++col) {
      w[k * kCols + col] = code(rng);
      packed[(k / 4) * kCols * 4 + col * 4 + k % 4] = static_cast<uint8_t>(w[k * kCols + col] + 128);
    }
  for (auto& v : ws) v = scale(rng);
  const TileOutput o = tileOutput(c, rng);
  std::vector<float> out = o.out;

  Int8TileKernel kernel(c.mr, c.group);
  Int8TileArgs args{reinterpret_cast<const int8_t*>(rec.bytes.data()), rec.ld, rec.bytes.data() + K, packed.data(),
                    ws.data(), out.data(), ngroups, c.resume ? kInt8Resume : 0};
  kernel.fn()(&args);

  expectGroupScaledSums(c, rec.a, w, ws, rec.sa, out, o.before);
}

TEST(Int8Tile, MatchesTheReference) {
  if (!hostCpu().avx512vnni) GTEST_SKIP() << "this CPU has no AVX512-VNNI";
  std::mt19937 rng(7);
  for (int mr = 1; mr <= kInt8TileRows; ++mr)
    for (int64_t group : {16, 32, 128})
      for (int64_t groups : {1, 3})
        for (bool resume : {false, true}) runCase({mr, group, groups, resume}, rng);
}

TEST(Int8Tile, RejectsShapesOutsideTheFamily) {
  EXPECT_THROW(Int8TileKernel(0, 32), std::exception);
  EXPECT_THROW(Int8TileKernel(kInt8TileRows + 1, 32), std::exception);
  EXPECT_THROW(Int8TileKernel(2, 30), std::exception);
}

// The AVX2 int16 tiles: int16 activation codes at full range against int8 weight codes
// (including -128, which GGUF's Q8_0 may hold), exact integer sums per group.
void runInt16Case(const Case& c, std::mt19937& rng) {
  static_assert(kInt16TileCols == kCols);
  const int64_t K = c.group * c.groups, ngroups = c.groups;
  const int64_t ld = 2 * K + 8 * ngroups + 12;  // record stride in bytes, padded
  std::uniform_int_distribution<int> acode(-32767, 32767), wcode(-128, 127);
  std::uniform_real_distribution<float> scale(0.001f, 0.02f);
  std::vector<uint8_t> rec(ld * c.mr + 64);
  std::vector<int> a(c.mr * K);
  std::vector<float> sa(c.mr * ngroups);
  for (int i = 0; i < c.mr; ++i) {
    for (int64_t k = 0; k < K; ++k) {
      // Every other row at the extremes: the exactness bound, not just typical sums.
      a[i * K + k] = i % 2 ? (k % 3 ? 32767 : -32767) : acode(rng);
      const int16_t v = static_cast<int16_t>(a[i * K + k]);
      std::memcpy(&rec[i * ld + 2 * k], &v, 2);
    }
    for (int64_t g = 0; g < ngroups; ++g) {
      sa[i * ngroups + g] = scale(rng);
      std::memcpy(&rec[i * ld + 2 * K + 8 * g], &sa[i * ngroups + g], 4);
    }
  }
  // Packed weights: [k / 2][48][2] int16, scales [group][48].
  std::vector<int> w(K * kCols);
  std::vector<int16_t> packed(K * kCols);
  std::vector<float> ws(ngroups * kCols);
  for (int64_t k = 0; k < K; ++k)
    for (int col = 0; col < kCols; ++col) {
      w[k * kCols + col] = c.mr == 2 ? (k % 3 ? 127 : -128) : wcode(rng);
      packed[(k / 2) * kCols * 2 + col * 2 + k % 2] = static_cast<int16_t>(w[k * kCols + col]);
    }
  for (auto& v : ws) v = scale(rng);
  const TileOutput o = tileOutput(c, rng);
  std::vector<float> out = o.out;

  Int16TileKernel kernel(c.mr, c.group);
  Int16TileArgs args{reinterpret_cast<const int16_t*>(rec.data()), ld, rec.data() + 2 * K, packed.data(), ws.data(),
                     out.data(), ngroups, c.resume ? kInt16Resume : 0};
  kernel.fn()(&args);

  expectGroupScaledSums(c, a, w, ws, sa, out, o.before);
}

TEST(Int16Tile, MatchesTheReference) {
  if (!hostCpu().avx2) GTEST_SKIP() << "this CPU has no AVX2";
  std::mt19937 rng(5);
  for (int mr = 1; mr <= kInt16TileRows; ++mr)
    for (int64_t group : {int64_t{16}, int64_t{32}, int64_t{128}, kInt16MaxGroup})
      for (int64_t groups : {1, 3})
        for (bool resume : {false, true}) runInt16Case({mr, group, groups, resume}, rng);
}

TEST(Int16Tile, RejectsShapesOutsideTheFamily) {
  EXPECT_THROW(Int16TileKernel(0, 32), std::exception);
  EXPECT_THROW(Int16TileKernel(kInt16TileRows + 1, 32), std::exception);
  EXPECT_THROW(Int16TileKernel(2, 24), std::exception);
  EXPECT_THROW(Int16TileKernel(2, 2 * kInt16MaxGroup), std::exception);
}

// The AVX2 int4 madd tiles: 4-bit codes 0..15 against int8 activation codes; int4: codes
// standing for q - 8, per block {scale, -8 x the codes' sum}; int4zp (zeroPoints): codes as
// they are, per block {scale, f32 factor z}, plus mins[b][col] x z. Exact integer sums per
// block, also where the int16 sums reach their bound (codes 15 against 127 or -127
// throughout: 8 x 2 x 15 x 127).
void runInt4MaddCase(const Case& c, bool zeroPoints, std::mt19937& rng) {
  static_assert(kInt4MaddTileCols == kCols);
  const int64_t K = c.group * c.groups, nblocks = c.groups;
  std::uniform_int_distribution<int> acode(-127, 127), wcode(0, 15);
  std::uniform_real_distribution<float> scale(0.001f, 0.02f);
  std::vector<float> z(c.mr * nblocks);  // int4zp's factors: scale x the codes' sum
  const Int8Records rec = int8Records(
      c, rng, [&](int i) { return i == 1 ? 127 : i == 2 ? -127 : acode(rng); },  // rows 1 and 2 at the bound
      [&](int i, int64_t b, int32_t sum, float sa) {
        z[i * nblocks + b] = sa * static_cast<float>(sum);
        return zeroPoints ? std::bit_cast<uint32_t>(z[i * nblocks + b]) : static_cast<uint32_t>(-8 * sum);
      });
  // Packed codes: [k / 4][48][4] bytes 0..15 (columns 0..7 all 15: the bound); their values
  // q - 8; scales [block][48].
  std::vector<int> w(K * kCols);
  std::vector<uint8_t> packed(K * kCols);
  std::vector<float> ws(nblocks * kCols), mins(nblocks * kCols);
  for (int64_t k = 0; k < K; ++k)
    for (int col = 0; col < kCols; ++col) {
      const int q = col < 8 ? 15 : wcode(rng);
      w[k * kCols + col] = zeroPoints ? q : q - 8;
      packed[(k / 4) * kCols * 4 + col * 4 + k % 4] = static_cast<uint8_t>(q);
    }
  for (auto& v : ws) v = scale(rng);
  for (auto& v : mins) v = -8 * scale(rng);
  std::vector<double> extra;  // the zero points' terms
  if (zeroPoints)
    for (int i = 0; i < c.mr; ++i)
      for (int col = 0; col < kCols; ++col) {
        extra.push_back(0.0);
        for (int64_t b = 0; b < nblocks; ++b) extra.back() += double(mins[b * kCols + col]) * z[i * nblocks + b];
      }
  const TileOutput o = tileOutput(c, rng);
  std::vector<float> out = o.out;

  Int4MaddTileKernel kernel(c.mr, c.group, zeroPoints);
  Int4MaddTileArgs args{reinterpret_cast<const int8_t*>(rec.bytes.data()), rec.ld, rec.bytes.data() + K, packed.data(),
                        ws.data(), out.data(), nblocks, c.resume ? kInt4MaddResume : 0, mins.data()};
  kernel.fn()(&args);

  expectGroupScaledSums(c, rec.a, w, ws, rec.sa, out, o.before, extra);
}

TEST(Int4MaddTile, MatchesTheReference) {
  if (!hostCpu().avx2) GTEST_SKIP() << "this CPU has no AVX2";
  std::mt19937 rng(11);
  for (int mr = 1; mr <= kInt4MaddTileRows; ++mr)
    for (int64_t block : {int64_t{4}, int64_t{16}, kInt4MaddMaxBlock})
      for (int64_t blocks : {1, 3})
        for (bool resume : {false, true})
          for (bool zeroPoints : {false, true}) runInt4MaddCase({mr, block, blocks, resume}, zeroPoints, rng);
}

TEST(Int4MaddTile, RejectsShapesOutsideTheFamily) {
  EXPECT_THROW(Int4MaddTileKernel(0, 32, false), std::exception);
  EXPECT_THROW(Int4MaddTileKernel(kInt4MaddTileRows + 1, 32, false), std::exception);
  EXPECT_THROW(Int4MaddTileKernel(2, 30, true), std::exception);
  EXPECT_THROW(Int4MaddTileKernel(2, 2 * kInt4MaddMaxBlock, false), std::exception);
}

void runBf16Case(int mr, int64_t pairs, bool resume, std::mt19937& rng) {
  constexpr int kCols = kBf16PanelCols;
  const int64_t K = 2 * pairs, ld = K + 6;  // row stride in elements, padded
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<uint16_t> a(ld * mr + 8), packed(K * kCols);
  std::vector<float> w(K * kCols);
  for (auto& v : a) v = ir::bf16FromFloat(dist(rng));
  for (int64_t k = 0; k < K; ++k)
    for (int c = 0; c < kCols; ++c) {
      const uint16_t h = ir::bf16FromFloat(dist(rng));
      w[k * kCols + c] = ir::floatFromBf16(h);
      packed[(k / 2) * kCols * 2 + c * 2 + k % 2] = h;
    }
  constexpr float kGuard = 12345.0f;
  std::vector<float> out(mr * kCols + 64, kGuard), before(mr * kCols);
  for (int i = 0; i < mr * kCols; ++i) out[i] = before[i] = resume ? dist(rng) : kGuard;
  Bf16PanelKernel kernel(mr);
  Bf16PanelArgs args{a.data(), ld * 2, packed.data(), out.data(), pairs, resume ? kBf16PanelResume : 0};
  kernel.fn()(&args);
  for (int i = 0; i < mr; ++i)
    for (int c = 0; c < kCols; ++c) {
      double want = resume ? before[i * kCols + c] : 0.0, mag = std::fabs(want);
      for (int64_t k = 0; k < K; ++k) {
        const double term = double(ir::floatFromBf16(a[i * ld + k])) * w[k * kCols + c];
        want += term;
        mag += std::fabs(term);
      }
      ASSERT_NEAR(out[i * kCols + c], want, 1e-5 * mag + 1e-30) << "mr " << mr << " pairs " << pairs << " row " << i << " col " << c;
    }
  for (size_t i = mr * kCols; i < out.size(); ++i) ASSERT_EQ(out[i], kGuard) << "wrote past the tile at " << i;
}

TEST(Bf16PanelTile, MatchesTheReference) {
  if (!hostCpu().avx512bf16) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  std::mt19937 rng(11);
  for (int mr = 1; mr <= kBf16PanelRows; ++mr)
    for (int64_t pairs : {1, 3, 4, 16, 131})
      for (bool resume : {false, true}) runBf16Case(mr, pairs, resume, rng);
}

TEST(Bf16PanelTile, RejectsShapesOutsideTheFamily) {
  EXPECT_THROW(Bf16PanelKernel(0), std::exception);
  EXPECT_THROW(Bf16PanelKernel(kBf16PanelRows + 1), std::exception);
}

}  // namespace
}  // namespace q3c::xbyak
