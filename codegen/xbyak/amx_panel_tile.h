// The AMX-BF16 panel tile family: prefill of bf16 weights on CPUs with AMX (Sapphire Rapids and
// later), selected by the jit where Linux grants the tile state (docs/kernels.md, AMX). It is
// the bf16 panel tile (bf16_panel_tile.h) with tdpbf16ps in place of vdpbf16ps: the same
// packed layout, [k / 2][ld columns][2 bf16] (the jit's panels: ld = 64), which is exactly
// AMX's pair-interleaved "B" operand (16 k pairs x 16 columns of 64 bytes per tile), and the
// activation rows as they are, an AMX "A" tile (16 rows x 32 k, ldaBytes apart). One call:
// mr rows x 32 columns over the chunk, four accumulator tiles,
//
//   out[m0..m0+16)[c0..c0+16) (+)= A[m rows][k..k+32) . W[k..k+32)[c columns]     (x 2 x 2)
//
// Tiles of fewer than 32 rows are configured with fewer rows, so they read and write only the
// rows they own. Each call loads its own tile configuration and releases the tiles on return.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codegen/xbyak/amx_gemm.h"
#include "codegen/xbyak/bf16_panel_tile.h"

namespace q3c::xbyak {

constexpr int kAmxPanelCols = 32;  // output columns of every call (2 tiles of 16)
constexpr int kAmxPanelRows = 32;  // the largest tile: 2 activation tiles of 16 rows

// Field for field Bf16PanelArgs (the jit fills both through one struct type); here w is the
// packed chunk [k / 2][ld columns][2 bf16] at the call's first column, out rows of ld sums,
// and pairs a multiple of 16 (the chunk a multiple of 32 k). A panel of ld = 64 columns takes
// two calls per rows, the second on columns 32..63: it finds the activation rows in cache.
using AmxPanelArgs = Bf16PanelArgs;
constexpr int64_t kAmxPanelResume = kBf16PanelResume;
using AmxPanelFn = Bf16PanelFn;

class AmxPanelKernel : public Generator {
 public:
  AmxPanelKernel(int mr, int ld);  // mr 1 .. kAmxPanelRows; ld the panel's columns, 32 or 64
  AmxPanelFn fn() const { return fn_; }

 private:
  AmxTileConfig config_;  // the tiles sized for mr rows; the code loads it from here
  AmxPanelFn fn_;
};

// The kernels for every row count, table()[mr - 1], on panels of ld columns.
class AmxPanelSet : public RowCountKernels<AmxPanelKernel> {
 public:
  explicit AmxPanelSet(int ld);
};

// What the AMX panel tile families (this one and amx_int8_panel_tile.h) share: the tiles 0..3
// the accumulators (rows 0..15 x columns 0..15, 0..15 x 16..31, 16.. x 0..15, 16.. x 16..31),
// 4 and 5 the activation rows 0..15 and 16.. (aBytes of k each), 6 and 7 the weight columns
// 0..15 and 16..31 (bRows k pairs or quads); tiles of no rows are left unconfigured.
void configureAmxPanelTiles(AmxTileConfig& c, int mr, int aBytes, int bRows);

// Registers of one step of those tiles: the packed chunk at w (its k rows `stride` apart), the
// activation rows 0..15 at a and 16.. at a16 (rows `lda` apart), and a scratch register.
struct AmxPanelStepRegs {
  Xbyak::Reg64 w, stride, a, a16, lda, scratch;
};
// One step: the weight and activation tiles loaded, the 2 x 2 (1 x 2 without `high` rows)
// products accumulated, then a and a16 advanced by aStep bytes and w by wStep.
void emitAmxPanelStep(Xbyak::CodeGenerator& g, const AmxPanelStepRegs& r, AmxDot dot, bool high, int aStep, int wStep);

// Whether the jit may run the AMX-BF16 panel tiles under `--isa cap`: only "native", on a CPU
// with AMX-BF16 whose tile state Linux granted to this process (asked once).
bool amxPanelsAllowed(const std::string& isaCap);

}  // namespace q3c::xbyak
