// The Xbyak microkernels against a double-precision reference on random data: every tile size,
// every dtype pair and every ISA level this CPU runs (capped like --isa does).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "codegen/xbyak/cpu.h"
#include "codegen/xbyak/dot_tile.h"
#include "codegen/xbyak/peak.h"

namespace q3c::xbyak {
namespace {

using ir::DType;

std::vector<Isa> runnableIsas() {
  std::vector<Isa> out;
  for (const char* cap : {"avx2", "avx512", "native"}) {
    try {
      Isa isa = selectIsa(cap);
      if (std::find(out.begin(), out.end(), isa) == out.end()) out.push_back(isa);
    } catch (const std::exception&) {
    }
  }
  return out;
}


// Values of `t` stored as bytes, with their exact f32 values beside them.
struct Buffer {
  std::vector<uint8_t> bytes;
  std::vector<float> values;
};

Buffer randomBuffer(DType t, size_t n, std::mt19937& rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  Buffer b;
  b.bytes.resize(n * ir::dtypeSize(t));
  for (size_t i = 0; i < n; ++i) {
    float v = dist(rng);
    if (t == DType::F32) {
      std::memcpy(&b.bytes[i * 4], &v, 4);
    } else if (t == DType::BF16) {
      uint16_t h = ir::bf16FromFloat(v);
      std::memcpy(&b.bytes[i * 2], &h, 2);
      v = ir::floatFromBf16(h);
    } else {
      _Float16 h = static_cast<_Float16>(v);
      std::memcpy(&b.bytes[i * 2], &h, 2);
      v = static_cast<float>(h);
    }
    b.values.push_back(v);
  }
  return b;
}

struct Case {
  DType a, w;
};

TEST(DotTile, EveryTileSizeMatchesTheReference) {
  std::mt19937 rng(7);
  const Case cases[] = {{DType::F32, DType::F32}, {DType::F32, DType::BF16}, {DType::F32, DType::F16}, {DType::BF16, DType::BF16}};
  for (Isa isa : runnableIsas())
    for (const Case& c : cases) {
      const int64_t step = dotKStep(isa, c.a, c.w);
      for (int64_t k : {int64_t(0), step, 7 * step, 80 * step}) {
        const int MR = maxTileRows(isa), NR = maxTileCols(isa);
        const int64_t lda = k + 3;  // rows not packed together: the stride is the caller's
        Buffer A = randomBuffer(c.a, MR * lda, rng);
        std::vector<Buffer> W;
        std::vector<const void*> rows;
        for (int j = 0; j < NR; ++j) W.push_back(randomBuffer(c.w, k + 1, rng));
        for (int j = 0; j < NR; ++j) rows.push_back(W[j].bytes.data());
        DotTileSet set(isa, c.a, c.w);
        for (int mr = 1; mr <= MR; ++mr)
          for (int nr = 1; nr <= NR; ++nr)
            for (int chunks : {1, 3}) {
            std::vector<float> out(MR * NR, -1.0f);
            std::vector<float> partial(partialBytes(isa) / 4);
            // K in `chunks` pieces (multiples of the step), the sums carried in `partial`.
            const int64_t steps = k / step;
            for (int c0 = 0; c0 < chunks; ++c0) {
              DotTileArgs args{A.bytes.data(), lda * ir::dtypeSize(c.a), rows.data(), out.data(), partial.data(),
                               steps * c0 / chunks * step, steps * (c0 + 1) / chunks * step,
                               (c0 > 0 ? kResume : 0) | (c0 + 1 == chunks ? kFinish : 0)};
              set.table()[(mr - 1) * NR + nr - 1](&args);
            }
            for (int i = 0; i < mr; ++i)
              for (int j = 0; j < nr; ++j) {
                double ref = 0, mag = 0;
                for (int64_t kk = 0; kk < k; ++kk) {
                  ref += double(A.values[i * lda + kk]) * W[j].values[kk];
                  mag += std::fabs(double(A.values[i * lda + kk]) * W[j].values[kk]);
                }
                // f32 accumulation in a different order: error grows with the sum of |terms|.
                EXPECT_NEAR(out[i * NR + j], ref, 1e-5 * mag + 1e-6)
                    << isaName(isa) << " " << ir::dtypeName(c.a) << "x" << ir::dtypeName(c.w) << " K=" << k << " tile "
                    << mr << "x" << nr << " at " << i << "," << j << " in " << chunks << " chunks";
              }
            for (int i = 0; i < MR; ++i)
              for (int j = 0; j < NR; ++j)
                if (i >= mr || j >= nr) {
                  EXPECT_EQ(out[i * NR + j], -1.0f) << "wrote outside the tile";
                }
          }
      }
    }
}

TEST(DotTile, OneRowTilesGiveTheSameBitsWithTheWeightAsTheDotsMemoryOperand) {
  // Decode's tiles fold each weight load into its dot (vdpbf16ps / vfmadd231ps with a memory
  // operand); the products and their order are unchanged, so the sums must be bit-identical
  // to the load-then-dot tiles, chunked or not.
  std::mt19937 rng(11);
  const Case cases[] = {{DType::F32, DType::F32}, {DType::F32, DType::BF16}, {DType::BF16, DType::BF16}};
  for (Isa isa : runnableIsas())
    for (const Case& c : cases) {
      const int64_t step = dotKStep(isa, c.a, c.w), k = 80 * step;
      const int NR = maxTileCols(isa);
      Buffer A = randomBuffer(c.a, k, rng);
      std::vector<Buffer> W;
      std::vector<const void*> rows;
      for (int j = 0; j < NR; ++j) W.push_back(randomBuffer(c.w, k, rng));
      for (int j = 0; j < NR; ++j) rows.push_back(W[j].bytes.data());
      DotTileSet fused(isa, c.a, c.w), loaded(isa, c.a, c.w, false);
      for (int nr = 1; nr <= NR; ++nr)
        for (int chunks : {1, 3}) {
          std::vector<float> out[2] = {std::vector<float>(NR, -1.0f), std::vector<float>(NR, -2.0f)};
          for (int v = 0; v < 2; ++v) {
            std::vector<float> partial(partialBytes(isa) / 4);
            for (int c0 = 0; c0 < chunks; ++c0) {
              DotTileArgs args{A.bytes.data(), 0, rows.data(), out[v].data(), partial.data(), 80 * c0 / chunks * step,
                               80 * (c0 + 1) / chunks * step, (c0 > 0 ? kResume : 0) | (c0 + 1 == chunks ? kFinish : 0)};
              (v ? loaded : fused).table()[nr - 1](&args);
            }
          }
          EXPECT_EQ(std::memcmp(out[0].data(), out[1].data(), sizeof(float) * nr), 0)
              << isaName(isa) << " " << ir::dtypeName(c.a) << "x" << ir::dtypeName(c.w) << " 1x" << nr << " in " << chunks
              << " chunks: " << out[0][0] << " against " << out[1][0];
        }
    }
}

TEST(DotTile, RejectsWhatItCannotRun) {
  const Isa isa = runnableIsas().front();
  EXPECT_THROW(DotTileKernel({isa, DType::BF16, DType::F32, 1, 1}), std::exception);
  EXPECT_THROW(DotTileKernel({isa, DType::F32, DType::F32, maxTileRows(isa) + 1, 1}), std::exception);
  EXPECT_THROW(DotTileKernel({isa, DType::F32, DType::F32, 1, 0}), std::exception);
}

TEST(Peak, MeasuresAPositiveThroughput) {
  for (Isa isa : runnableIsas()) EXPECT_GT(measurePeak(isa, true, 1).gflops, 1.0) << isaName(isa);
}

TEST(Cpu, UnknownIsaCapIsAnError) { EXPECT_THROW(selectIsa("sse2"), std::exception); }

}  // namespace
}  // namespace q3c::xbyak
