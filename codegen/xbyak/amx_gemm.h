// AMX-BF16 GEMM microkernel (tdpbf16ps), for CPUs that have it (Sapphire Rapids and later).
//
// The weights stay in their [N, K] row layout: 16 weight rows x 32 K are exactly an AMX "A"
// tile (16 rows of 64 bytes, stride K x 2). The activations are the "B" operand, which AMX
// wants pair-interleaved along K ("VNNI" layout): packVnni() rewrites a block of 32 activation
// rows as [K/2][32][2] once per block. One call computes a 32 x 32 block of outputs,
// transposed (out[n][m]), with four accumulator tiles:
//
//   C[n0..n0+16)[m0..m0+16) += W[n rows][k..k+32) . A^T[k..k+32)[m rows]      (x 2 x 2)
//
// The jit runs the panel form of this product (amx_panel_tile.h); this block kernel is what
// amx_bench measures (see docs/kernels.md, AMX).
#pragma once
#include <cstdint>

#include "codegen/xbyak/generator.h"

namespace q3c::xbyak {

struct AmxGemmArgs {
  const uint16_t* w;       // row n0 of the weight, bf16
  int64_t wStrideBytes;    // K x 2
  const uint16_t* aVnni;   // packVnni() of the 32-row activation block
  float* out;              // [32 n][32 m] floats, row stride 128 bytes
  int64_t k;               // a multiple of 32
};
using AmxGemmFn = void (*)(const AmxGemmArgs* args);

// The tile product of AMX-BF16 (tdpbf16ps: 32 k per 64-byte row) or AMX-INT8 (tdpbssd: 64 k),
// acc += a . b, for every AMX kernel here (block, panel, peak loop).
enum class AmxDot { Bf16, Int8 };
void emitAmxDot(Xbyak::CodeGenerator& g, AmxDot dot, const Xbyak::Tmm& acc, const Xbyak::Tmm& a, const Xbyak::Tmm& b);

// The 32 x 32 block both AMX kernels share: four accumulator tiles, two 16-row weight tiles
// loaded as stored, two activation tiles from the interleaved block, 64 bytes of K per step.
// Their argument structs have this one's layout.
class AmxBlockKernel : public Generator {
 protected:
  AmxBlockKernel(const char* name, AmxDot dot);
};

class AmxGemmKernel : public AmxBlockKernel {
 public:
  AmxGemmKernel() : AmxBlockKernel("amx_gemm_bf16_32x32", AmxDot::Bf16), fn_(finish<AmxGemmFn>()) {}
  AmxGemmFn fn() const { return fn_; }

 private:
  AmxGemmFn fn_;
};

// Rows [0, rows) of A (bf16, `lda` elements apart; rows >= `rows` up to 32 are zero) into
// dst[K/2][32][2]: the pair-interleaved B operand of tdpbf16ps. K even.
void packVnni(const uint16_t* a, int64_t lda, int64_t rows, int64_t K, uint16_t* dst);

// Linux keeps the AMX tile state off until a thread asks; true when this process may use it
// (the CPU has AMX-BF16 and the kernel granted XTILEDATA).
bool requestAmx();
// The same for AMX-INT8 (amx_int8_gemm.h).
bool requestAmxInt8();

// The 64-byte operand of ldtilecfg: palette 1 and, per tile, its rows and bytes per row (a tile
// left at 0 x 0 is unconfigured and must not be used).
struct alignas(64) AmxTileConfig {
  uint8_t palette = 1, startRow = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};
static_assert(sizeof(AmxTileConfig) == 64);

// The configuration both 32 x 32 block kernels load: tiles 0..7 each 16 rows of 64 bytes.
const void* amxTileConfig();

}  // namespace q3c::xbyak
