// The int16 multiply-add GEMM microkernel family (prefill of int8 and int4 weights on AVX2,
// which has no int8 dot with a signed-by-unsigned product that cannot saturate): a tile of mr
// activation rows x 48 output columns, vpmaddwd on a panel of weights widened to int16 and
// packed column-interleaved: for each pair of k, 48 columns x 2 int16, so one 32-byte load
// holds 2 consecutive k of 8 columns and the 32-bit lanes of every accumulator are output
// columns. Activations enter as int16 codes (scale max|x| / 32767 per group: far finer than
// the int8 dot's 127 steps, so this path is about as accurate as the fp32-accumulate one),
// broadcast 2 at a time.
//
// Exact in int32 per group: |sum_k a_k w_k| <= group x 32767 x 128 < 2^31 for groups up to 256.
// The group scales are applied once per group, in f32, to sums kept in `out`:
//   out[i][c] += float(sum_k a_ik w_kc) * ws[g][c] * sa[i][g]
// A tile runs the 48 columns as two passes of 24 (3 registers x 3 rows of int32 sums, 3
// weights, a broadcast and a product: 14 of the 16 ymm registers).
#pragma once
#include <cstdint>

#include "codegen/xbyak/avx2_panel_tile.h"

namespace q3c::xbyak {

constexpr int kInt16TileCols = 48;   // output columns of every tile
constexpr int kInt16TileRows = 3;    // the largest tile
constexpr int64_t kInt16MaxGroup = 256;  // exact int32 sums up to here

// One activation row is a record: its codes (K int16) then per group {f32 scale, 4 unused
// bytes}; row i at a + i * ldaBytes, its group records at s + i * ldaBytes.
struct Int16TileArgs {
  const int16_t* a;      // row 0's codes at the chunk's first k
  int64_t ldaBytes;      // record stride
  const void* s;         // row 0's {scale, unused} of the chunk's first group
  const int16_t* w;      // packed chunk: [k / 2][48 columns][2 int16]
  const float* ws;       // the chunk's weight scales: [group][48 columns]
  float* out;            // rows of 48 sums, 48 floats apart
  int64_t groups;        // groups in the chunk (>= 1)
  int64_t flags;         // kInt16Resume: add to `out` (else start from zero)
};
constexpr int64_t kInt16Resume = 1;
using Int16TileFn = void (*)(const Int16TileArgs* args);

class Int16TileKernel : public Avx2PanelTile<Int16TileArgs> {
 public:
  // mr in 1 .. kInt16TileRows; group a multiple of 16, at most kInt16MaxGroup.
  Int16TileKernel(int mr, int64_t group);
  Int16TileFn fn() const { return fn_; }

 private:
  Int16TileFn fn_;
};

// The kernels for every row count of one group size, table()[mr - 1].
class Int16TileSet : public RowCountKernels<Int16TileKernel> {
 public:
  explicit Int16TileSet(int64_t group);
};

}  // namespace q3c::xbyak
