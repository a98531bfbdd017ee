// The AMX-BF16 kernels (the 32 x 32 block and the jit's panel tiles) against a double reference,
// the AMX-INT8 block kernel against exact integer sums, and the AMX-INT8 panel tiles against the
// int8 tile's arithmetic, bit for bit. Those checks run only where the CPU has AMX
// and Linux grants the tile state; elsewhere (this project's CI: Zen 5) they are skipped, and
// only the packing, code-generation and selection tests run. scripts/device_check.sh runs this
// binary on a lent Xeon (scripts/device_amx.sh: the static amx_bench, same block checks).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "codegen/xbyak/amx_gemm.h"
#include "codegen/xbyak/amx_int8_gemm.h"
#include "codegen/xbyak/amx_int8_panel_tile.h"
#include "codegen/xbyak/amx_panel_tile.h"
#include "ir/types.h"

namespace q3c::xbyak {
namespace {


TEST(AmxGemm, PackVnniInterleavesPairsAndZeroPads) {  // runs everywhere: no AMX instruction
  std::vector<uint16_t> a(3 * 4);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint16_t>(i + 1);
  std::vector<uint16_t> dst(2 * 32 * 2, 7);
  packVnni(a.data(), 4, 3, 4, dst.data());
  EXPECT_EQ(dst[0], 1);  // k pair 0, row 0: a[0][0], a[0][1]
  EXPECT_EQ(dst[1], 2);
  EXPECT_EQ(dst[2], 5);  // row 1
  EXPECT_EQ(dst[(1 * 32 + 2) * 2 + 1], 12);  // k pair 1, row 2: a[2][3]
  EXPECT_EQ(dst[(0 * 32 + 3) * 2], 0);       // rows past 3 are zero
}

TEST(AmxGemm, AssemblesOnAnyX86) {  // generating the code executes none of it
  AmxGemmKernel kernel;
  EXPECT_NE(kernel.fn(), nullptr);
}

TEST(AmxGemm, MatchesTheReference) {
  if (!requestAmx()) GTEST_SKIP() << "no AMX-BF16 here (or Linux refused the tile state)";
  AmxGemmKernel kernel;
  std::mt19937 rng(3);
  std::normal_distribution<float> dist;
  for (int64_t K : {int64_t(32), int64_t(64), int64_t(2560)})
    for (int64_t rows : {int64_t(32), int64_t(5)}) {
      std::vector<uint16_t> w(32 * K), a(32 * K), packed(K * 32);
      for (auto& v : w) v = ir::bf16FromFloat(dist(rng));
      for (auto& v : a) v = ir::bf16FromFloat(dist(rng));
      packVnni(a.data(), K, rows, K, packed.data());
      std::vector<float> out(32 * 32, -1.0f);
      AmxGemmArgs args{w.data(), K * 2, packed.data(), out.data(), K};
      kernel.fn()(&args);
      for (int64_t n = 0; n < 32; ++n)
        for (int64_t m = 0; m < 32; ++m) {
          double ref = 0, mag = 0;
          for (int64_t k = 0; k < K && m < rows; ++k) {
            ref += double(ir::floatFromBf16(w[n * K + k])) * ir::floatFromBf16(a[m * K + k]);
            mag += std::fabs(double(ir::floatFromBf16(w[n * K + k])) * ir::floatFromBf16(a[m * K + k]));
          }
          EXPECT_NEAR(out[n * 32 + m], ref, 1e-5 * mag + 1e-6) << "K=" << K << " n=" << n << " m=" << m;
        }
    }
}

TEST(AmxInt8Gemm, PackVnni4InterleavesQuadsAndZeroPads) {  // runs everywhere
  std::vector<int8_t> a(3 * 8);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<int8_t>(i + 1);
  std::vector<int8_t> dst(2 * 32 * 4, 7);
  packVnni4(a.data(), 8, 3, 8, dst.data());
  EXPECT_EQ(dst[0], 1);  // k quad 0, row 0: a[0][0..3]
  EXPECT_EQ(dst[3], 4);
  EXPECT_EQ(dst[4], 9);  // row 1 starts at a[1][0]
  EXPECT_EQ(dst[(1 * 32 + 2) * 4 + 3], 24);  // k quad 1, row 2: a[2][7]
  EXPECT_EQ(dst[(0 * 32 + 3) * 4], 0);       // rows past 3 are zero
}

TEST(AmxInt8Gemm, AssemblesOnAnyX86) {
  AmxInt8GemmKernel kernel;
  EXPECT_NE(kernel.fn(), nullptr);
}

TEST(AmxInt8Gemm, MatchesExactIntegerSums) {
  if (!requestAmxInt8()) GTEST_SKIP() << "no AMX-INT8 here (or Linux refused the tile state)";
  AmxInt8GemmKernel kernel;
  std::mt19937 rng(4);
  std::uniform_int_distribution<int> code(-127, 127);
  for (int64_t K : {int64_t(64), int64_t(128), int64_t(2560)})
    for (int64_t rows : {int64_t(32), int64_t(5)}) {
      std::vector<int8_t> w(32 * K), a(32 * K), packed(K * 32);
      for (auto& v : w) v = static_cast<int8_t>(code(rng));
      for (auto& v : a) v = static_cast<int8_t>(code(rng));
      w[0] = a[0] = -128;  // the most negative code, which vpdpbusd's offset form avoids
      packVnni4(a.data(), K, rows, K, packed.data());
      std::vector<int32_t> out(32 * 32, -1);
      AmxInt8GemmArgs args{w.data(), K, packed.data(), out.data(), K};
      kernel.fn()(&args);
      for (int64_t n = 0; n < 32; ++n)
        for (int64_t m = 0; m < 32; ++m) {
          int64_t ref = 0;
          for (int64_t k = 0; k < K && m < rows; ++k) ref += int64_t(w[n * K + k]) * a[m * K + k];
          EXPECT_EQ(out[n * 32 + m], ref) << "K=" << K << " n=" << n << " m=" << m;
        }
    }
}

TEST(AmxPanel, AssemblesEveryRowCountOnAnyX86) {
  for (int ld : {32, 64}) {
    AmxPanelSet set(ld);
    for (int mr = 1; mr <= kAmxPanelRows; ++mr) EXPECT_NE(set.table()[mr - 1], nullptr) << mr;
  }
}

TEST(AmxPanel, IsNotAllowedUnderACappedIsa) { EXPECT_FALSE(amxPanelsAllowed("avx512bf16")); }

// Every row count the jit calls (1 .. 32), on panels of 32 and 64 columns (the latter in two
// calls of 32), over two chunks of K, the second resuming from the first's sums: rows ldaBytes
// apart in a wider array, weights packed [k / 2][ld][2] as the jit's packing writes them, and
// rows past mr left untouched.
TEST(AmxPanel, EveryRowCountMatchesTheReferenceAcrossChunks) {
  if (!requestAmx()) GTEST_SKIP() << "no AMX-BF16 here (or Linux refused the tile state)";
  const int64_t K = 96, chunk0 = 64, lda = K + 32;  // chunks of 64 and 32 k
  std::mt19937 rng(5);
  std::normal_distribution<float> dist;
  std::vector<uint16_t> a(kAmxPanelRows * lda), w(64 * K);
  for (auto& v : a) v = ir::bf16FromFloat(dist(rng));
  for (auto& v : w) v = ir::bf16FromFloat(dist(rng));
  const float kUntouched = -12345.0f;
  for (int ld : {32, 64}) {
    AmxPanelSet set(ld);
    auto pack = [&](int64_t k0, int64_t k1) {
      std::vector<uint16_t> p((k1 - k0) * ld);
      for (int64_t k = k0; k < k1; ++k)
        for (int64_t c = 0; c < ld; ++c) p[((k - k0) / 2 * ld + c) * 2 + (k - k0) % 2] = w[c * K + k];
      return p;
    };
    const std::vector<uint16_t> p0 = pack(0, chunk0), p1 = pack(chunk0, K);
    for (int mr = 1; mr <= kAmxPanelRows; ++mr) {
      std::vector<float> out(kAmxPanelRows * ld, kUntouched);
      for (int call = 0; call < ld / kAmxPanelCols; ++call) {
        const int64_t c0 = call * kAmxPanelCols;
        AmxPanelArgs args{a.data(), lda * 2, p0.data() + c0 * 2, out.data() + c0, chunk0 / 2, 0};
        set.table()[mr - 1](&args);
        args = {a.data() + chunk0, lda * 2, p1.data() + c0 * 2, out.data() + c0, (K - chunk0) / 2, kAmxPanelResume};
        set.table()[mr - 1](&args);
      }
      for (int64_t m = 0; m < kAmxPanelRows; ++m)
        for (int64_t c = 0; c < ld; ++c) {
          const float got = out[m * ld + c];
          if (m >= mr) {
            EXPECT_EQ(got, kUntouched) << "ld=" << ld << " mr=" << mr << " m=" << m;
            continue;
          }
          double ref = 0, mag = 1e-30;
          for (int64_t k = 0; k < K; ++k) {
            const double t = double(ir::floatFromBf16(a[m * lda + k])) * ir::floatFromBf16(w[c * K + k]);
            ref += t;
            mag += std::fabs(t);
          }
          EXPECT_LE(std::fabs(got - ref) / mag, 1e-5) << "ld=" << ld << " mr=" << mr << " m=" << m << " c=" << c;
        }
    }
  }
}

TEST(AmxInt8Panel, AssemblesEveryRowCountAndGroupOnAnyX86) {
  for (int64_t group : {32, 64, 128, 256}) {
    AmxInt8PanelSet set(64, group);
    for (int mr = 1; mr <= kAmxInt8PanelRows; ++mr) EXPECT_NE(set.table()[mr - 1], nullptr) << mr << " g" << group;
  }
  EXPECT_THROW(AmxInt8PanelKernel(1, 64, 16), std::exception);  // less than one 32-k step a group
  EXPECT_THROW(AmxInt8PanelKernel(33, 64, 32), std::exception);
}

TEST(AmxInt8Panel, IsNotAllowedUnderACappedIsa) { EXPECT_FALSE(amxInt8PanelsAllowed("avx512bf16")); }

// Every row count the jit calls (1 .. 32) at groups of 32 (one tdpbssd step of 32 k) and 128
// (two of 64), on a panel of 64 columns in two calls of 32, over two chunks of K, the second
// resuming: activation records as the jit writes them (int8 codes, then per group {scale,
// correction}, records ldaBytes apart), signed weight codes packed [k / 4][64][4], the scales
// [group][64]. The sums must be the int8 tile's to the bit: per group, float(integer sum) times
// the weight scale, then a fused multiply-add of the activation scale; rows past mr untouched.
TEST(AmxInt8Panel, EveryRowCountGivesTheInt8TilesBitsAcrossChunks) {
  if (!requestAmxInt8()) GTEST_SKIP() << "no AMX-INT8 here (or Linux refused the tile state)";
  constexpr int ld = 64;
  const int64_t K = 512, chunk0 = 256;
  std::mt19937 rng(6);
  std::uniform_int_distribution<int> code(-127, 127);
  std::uniform_real_distribution<float> scale(0.001f, 0.05f);
  std::vector<int8_t> w(ld * K);  // row c: column c's K codes
  for (auto& v : w) v = static_cast<int8_t>(code(rng));
  w[0] = -128;  // the most negative code, which AMX takes as it is
  const float kUntouched = -12345.0f;
  for (int64_t group : {int64_t(32), int64_t(128)}) {
    const int64_t groups = K / group, lda = K + 8 * groups;
    std::vector<uint8_t> rec(kAmxInt8PanelRows * lda);
    for (int64_t m = 0; m < kAmxInt8PanelRows; ++m) {
      for (int64_t k = 0; k < K; ++k) rec[m * lda + k] = static_cast<uint8_t>(code(rng));
      for (int64_t g = 0; g < groups; ++g) {
        const float sa = scale(rng);
        const int32_t correction = 999;  // the int8 tile's; AMX must not use it
        std::memcpy(&rec[m * lda + K + g * 8], &sa, 4);
        std::memcpy(&rec[m * lda + K + g * 8 + 4], &correction, 4);
      }
    }
    std::vector<float> ws(groups * ld);
    for (auto& v : ws) v = scale(rng);
    auto pack = [&](int64_t k0, int64_t k1) {
      std::vector<int8_t> p((k1 - k0) * ld);
      for (int64_t k = k0; k < k1; ++k)
        for (int64_t c = 0; c < ld; ++c) p[((k - k0) / 4 * ld + c) * 4 + (k - k0) % 4] = w[c * K + k];
      return p;
    };
    const std::vector<int8_t> p0 = pack(0, chunk0), p1 = pack(chunk0, K);
    AmxInt8PanelSet set(ld, group);
    for (int mr = 1; mr <= kAmxInt8PanelRows; ++mr) {
      std::vector<float> out(kAmxInt8PanelRows * ld, kUntouched);
      for (int call = 0; call < ld / kAmxInt8PanelCols; ++call) {
        const int64_t c0 = call * kAmxInt8PanelCols, g1 = chunk0 / group;
        AmxInt8PanelArgs args{reinterpret_cast<const int8_t*>(rec.data()), lda, rec.data() + K,
                              reinterpret_cast<const uint8_t*>(p0.data()) + c0 * 4, ws.data() + c0, out.data() + c0,
                              g1, 0};
        set.table()[mr - 1](&args);
        args = {reinterpret_cast<const int8_t*>(rec.data()) + chunk0, lda, rec.data() + K + g1 * 8,
                reinterpret_cast<const uint8_t*>(p1.data()) + c0 * 4, ws.data() + g1 * ld + c0, out.data() + c0,
                groups - g1, kAmxInt8PanelResume};
        set.table()[mr - 1](&args);
      }
      int wrong = 0;
      for (int64_t m = 0; m < kAmxInt8PanelRows; ++m)
        for (int64_t c = 0; c < ld; ++c) {
          const float got = out[m * ld + c];
          float want = kUntouched;
          if (m < mr) {
            want = 0;
            for (int64_t g = 0; g < groups; ++g) {
              int32_t sum = 0;
              for (int64_t k = g * group; k < (g + 1) * group; ++k)
                sum += int32_t(static_cast<int8_t>(rec[m * lda + k])) * w[c * K + k];
              float sa;
              std::memcpy(&sa, &rec[m * lda + K + g * 8], 4);
              want = std::fma(static_cast<float>(sum) * ws[g * ld + c], sa, want);
            }
          }
          if (got != want && ++wrong <= 5)
            ADD_FAILURE() << "g" << group << " mr=" << mr << " m=" << m << " c=" << c << ": " << got << " != " << want;
        }
      EXPECT_EQ(wrong, 0) << "g" << group << " mr=" << mr;
    }
  }
}

}  // namespace
}  // namespace q3c::xbyak
