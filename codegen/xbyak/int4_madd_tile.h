// The byte multiply-add GEMM microkernel family (prefill of int4 weights on AVX2): a tile of mr
// activation rows x 48 output columns, vpmaddubsw on a panel of 4-bit codes packed
// column-interleaved as bytes ("VNNI layout": for each step of 4 k, 48 columns x 4 bytes, so one
// 32-byte load holds 4 consecutive k of 8 columns). Weights enter as unsigned codes 0..15 (int4:
// q, whose value is q - 8; int4zp: q), activations as signed int8 codes broadcast 4 at a time.
//
// vpmaddubsw sums pairs of u x a into int16 and saturates there, which is why int8 weights
// cannot take it (255 x 127 x 2 > 32767) but 4-bit codes can: a pair is at most 2 x 15 x 127 =
// 3810, so eight steps (32 k) add up in int16 without saturating (30480), one vpaddw each.
// Against the int16 tiles (one vpmaddwd and one vpaddd per 2 k) that is one vpmaddubsw and one
// vpaddw per 4 k, plus the widening to int32 (vpmaddwd by ones) once per 32 k.
//
// Activation records are the int8 tiles' (codegen/xbyak/int8_tile.h), per block of `block` k
// (at most 32: the int16 bound above): {f32 scale, second field}. Per block every int16
// accumulator is widened and added in f32. int4: the second field is an int32 correction,
// -8 x the codes' sum, which cancels the codes' offset:
//   out[i][c] += float(sum_k a_ik u_kc + corr_i) * ws[b][c] * sa[i][b]
// int4zp (w = scale q + min, the tiles made with zero points): the second field is the f32
// factor z = sa x the codes' sum, and the block's mins add to the same sums:
//   out[i][c] += float(sum_k a_ik u_kc) * ws[b][c] * sa[i][b] + mins[b][c] * z_i
#pragma once
#include <cstdint>

#include "codegen/xbyak/avx2_panel_tile.h"

namespace q3c::xbyak {

constexpr int kInt4MaddTileCols = 48;     // output columns of every tile (two passes of 3 registers)
constexpr int kInt4MaddTileRows = 3;      // the largest tile: 9 int16 accumulators, 3 W, 1 A
constexpr int64_t kInt4MaddMaxBlock = 32;  // k per block: int16 sums stay exact up to here

// Int8TileArgs' fields and then the mins: w holds codes 0..15, `groups` counts blocks, ws and
// mins are [block][48].
struct Int4MaddTileArgs {
  const int8_t* a;       // row 0's codes at the chunk's first k
  int64_t ldaBytes;      // record stride
  const void* s;         // row 0's {scale, second field} of the chunk's first block
  const uint8_t* w;      // packed chunk: [k / 4][48 columns][4 bytes], codes 0..15
  const float* ws;       // the chunk's weight scales: [block][48 columns]
  float* out;            // rows of 48 sums, 48 floats apart
  int64_t groups;        // blocks in the chunk (>= 1)
  int64_t flags;         // kInt4MaddResume: add to `out` (else start from zero)
  const float* mins;     // zero points only: the chunk's mins, [block][48 columns]
};
constexpr int64_t kInt4MaddResume = 1;
using Int4MaddTileFn = void (*)(const Int4MaddTileArgs* args);

class Int4MaddTileKernel : public Avx2PanelTile<Int4MaddTileArgs> {
 public:
  // mr in 1 .. kInt4MaddTileRows; block a multiple of 4, at most kInt4MaddMaxBlock; zeroPoints:
  // int4zp's records and mins (else int4's correction).
  Int4MaddTileKernel(int mr, int64_t block, bool zeroPoints);
  Int4MaddTileFn fn() const { return fn_; }

 private:
  Int4MaddTileFn fn_;
};

// The kernels for every row count of one block size and format, table()[mr - 1].
class Int4MaddTileSet : public RowCountKernels<Int4MaddTileKernel> {
 public:
  Int4MaddTileSet(int64_t block, bool zeroPoints);
};

}  // namespace q3c::xbyak
