// The AMX-BF16 kernel against a double reference, the AMX-INT8 kernel against exact integer sums. Runs only where the CPU has AMX and Linux
// grants the tile state; elsewhere (this project's CI: Zen 5) every test is skipped, and
// scripts/device_amx.sh runs the same checks on a lent Xeon.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "codegen/xbyak/amx_gemm.h"
#include "codegen/xbyak/amx_int8_gemm.h"
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

}  // namespace
}  // namespace q3c::xbyak
