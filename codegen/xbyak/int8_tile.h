// The int8-dot GEMM microkernel family (prefill of int8 weights on AVX512-VNNI): a tile of mr
// activation rows x 48 output columns, vpdpbusd on a panel of weights packed column-interleaved
// ("VNNI layout"): for each step of 4 k, 48 columns x 4 bytes, so one 64-byte load holds 4
// consecutive k of 16 columns and the 32-bit lanes of every accumulator are output columns
// (no lane reduction, unlike the dot tiles). Weights enter as unsigned bytes (int8 code + 128),
// activations as signed int8 codes broadcast 4 at a time.
//
// Per group of `group` k, every accumulator starts from the activation row's correction
// (-128 x the sum of its codes in the group, which cancels the weights' +128), takes group / 4
// vpdpbusd, and is then added in f32 scaled by the weight column's and the activation row's
// group scales:
//   out[i][c] += float(sum_k a_ik (w_kc + 128) - 128 sum_k a_ik) * ws[g][c] * sa[i][g]
// so group scales cost three instructions per accumulator per group, not per step.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "codegen/xbyak/generator.h"

namespace q3c::xbyak {

constexpr int kInt8TileCols = 48;  // output columns of every tile (3 registers of 16 lanes)
constexpr int kInt8TileRows = 4;   // the largest tile: 12 int + 12 f32 accumulators, 3 W, 4 A

// One activation row is a record: its codes (K int8) then per group {f32 scale, int32
// correction}; row i at a + i * ldaBytes, its group records at s + i * ldaBytes.
struct Int8TileArgs {
  const int8_t* a;       // row 0's codes at the chunk's first k
  int64_t ldaBytes;      // record stride
  const void* s;         // row 0's {scale, correction} of the chunk's first group
  const uint8_t* w;      // packed chunk: [k / 4][48 columns][4 bytes], codes + 128
  const float* ws;       // the chunk's weight scales: [group][48 columns]
  float* out;            // rows of 48 sums, 48 floats apart
  int64_t groups;        // groups in the chunk (>= 1)
  int64_t flags;         // kInt8Resume: add to `out` (else start from zero)
};
constexpr int64_t kInt8Resume = 1;
using Int8TileFn = void (*)(const Int8TileArgs* args);

class Int8TileKernel : public Generator {
 public:
  Int8TileKernel(int mr, int64_t group);  // mr in 1 .. kInt8TileRows; group a multiple of 4
  Int8TileFn fn() const { return fn_; }

 private:
  Int8TileFn fn_;
};

// The kernels for every row count of one group size, table()[mr - 1].
class Int8TileSet : public RowCountKernels<Int8TileKernel> {
 public:
  explicit Int8TileSet(int64_t group);
};

}  // namespace q3c::xbyak
