// The bf16 panel GEMM microkernel family (prefill of bf16 weights on AVX512-BF16): a tile of
// mr activation rows x 48 output columns, vdpbf16ps on a weight panel packed column-interleaved
// like the int8 tiles' (codegen/xbyak/int8_tile.h): per pair of k, 48 columns x 2 bf16, so one
// 64-byte load holds 2 consecutive k of 16 columns and the accumulators' lanes are output
// columns. Against the dot tiles (codegen/xbyak/dot_tile.h, weights in their file rows) there
// is no lane reduction and each weight load feeds 8 rows instead of 4:
//   out[i][c] (+)= sum_k a[i][k] * w[k][c]      per step: 3 W loads, 8 broadcasts, 24 vdpbf16ps
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "codegen/xbyak/generator.h"

namespace q3c::xbyak {

constexpr int kBf16PanelCols = 48;  // output columns of every tile (3 registers of 16 lanes)
constexpr int kBf16PanelRows = 8;   // the largest tile: 24 accumulators, 3 W, 4 broadcasts

struct Bf16PanelArgs {
  const uint16_t* a;  // row 0's bf16 at the chunk's first k (rows ldaBytes apart)
  int64_t ldaBytes;
  const uint16_t* w;  // packed chunk: [k / 2][48 columns][2 bf16]
  float* out;         // rows of 48 sums, 48 floats apart
  int64_t pairs;      // k pairs in the chunk (>= 1)
  int64_t flags;      // kBf16PanelResume: add to `out` (else start from zero)
};
constexpr int64_t kBf16PanelResume = 1;
using Bf16PanelFn = void (*)(const Bf16PanelArgs* args);

class Bf16PanelKernel : public Generator {
 public:
  explicit Bf16PanelKernel(int mr);  // 1 .. kBf16PanelRows
  Bf16PanelFn fn() const { return fn_; }

 private:
  Bf16PanelFn fn_;
};

// The kernels for every row count, table()[mr - 1].
class Bf16PanelSet : public RowCountKernels<Bf16PanelKernel> {
 public:
  Bf16PanelSet();
};

}  // namespace q3c::xbyak
