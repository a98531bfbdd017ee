// AMX-INT8 GEMM microkernel (tdpbssd), for CPUs that have it (Sapphire Rapids and later): the
// AMX form of the int8 prefill product (docs/quantization.md), where the weights are int8
// codes (int4 nibbles widened to int8) and the activations are the int8 codes of their
// per-group quantization; the group scales are applied to the int32 sums outside.
//
// The weight codes stay in their [N, K] row layout: 16 rows x 64 K are exactly an AMX "A" tile
// (16 rows of 64 bytes, stride K). The activations are the "B" operand, which AMX wants
// quad-interleaved along K: packVnni4() rewrites a block of 32 activation rows as [K/4][32][4]
// once per block. One call computes a 32 x 32 block of int32 sums over [0, k), transposed
// (out[n][m]), with four accumulator tiles:
//
//   C[n0..n0+16)[m0..m0+16) += W[n rows][k..k+64) . A^T[k..k+64)[m rows]      (x 2 x 2)
//
// Both operands are signed, so no offset needs correcting (the AVX-512 path adds 128 to the
// weight codes for vpdpbusd). The sums are exact while K x 127 x 128 < 2^31 (K < 132000).
// The jit calls its panel form instead (amx_int8_panel_tile.h), which scales each group's sums
// as the formats need (every 32 or 128 k); this block kernel is what amx_bench measures. Exact on
// the lent Xeon (amx_bench).
#pragma once
#include <cstdint>

#include <cstddef>

#include "codegen/xbyak/amx_gemm.h"

namespace q3c::xbyak {

struct AmxInt8GemmArgs {
  const int8_t* w;        // row n0 of the weight codes
  int64_t wStrideBytes;   // K
  const int8_t* aVnni4;   // packVnni4() of the 32-row activation block
  int32_t* out;           // [32 n][32 m] int32, row stride 128 bytes
  int64_t k;              // a multiple of 64
};
using AmxInt8GemmFn = void (*)(const AmxInt8GemmArgs* args);
// The shared block kernel reads its arguments at AmxGemmArgs' offsets.
static_assert(offsetof(AmxInt8GemmArgs, aVnni4) == offsetof(AmxGemmArgs, aVnni) &&
              offsetof(AmxInt8GemmArgs, out) == offsetof(AmxGemmArgs, out) &&
              offsetof(AmxInt8GemmArgs, k) == offsetof(AmxGemmArgs, k) && sizeof(AmxInt8GemmArgs) == sizeof(AmxGemmArgs));

class AmxInt8GemmKernel : public AmxBlockKernel {
 public:
  AmxInt8GemmKernel() : AmxBlockKernel("amx_gemm_int8_32x32", AmxDot::Int8), fn_(finish<AmxInt8GemmFn>()) {}
  AmxInt8GemmFn fn() const { return fn_; }

 private:
  AmxInt8GemmFn fn_;
};

// Rows [0, rows) of A (int8 codes, `lda` apart; rows >= `rows` up to 32 are zero) into
// dst[K/4][32][4]: the quad-interleaved B operand of tdpbssd. K a multiple of 4.
void packVnni4(const int8_t* a, int64_t lda, int64_t rows, int64_t K, int8_t* dst);

}  // namespace q3c::xbyak
