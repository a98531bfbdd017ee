// The AMX-INT8 panel tile family: prefill of int8 and int4 weights on CPUs with AMX-INT8
// (Sapphire Rapids and later), selected by the jit where Linux grants the tile state
// (docs/quantization.md, AMX-INT8). It is the int8 tile (int8_tile.h) with tdpbssd in place of
// vpdpbusd: the same activation records (int8 codes, then per group {f32 scale, int32
// correction}; the correction is not needed here) and the same packed weight layout,
// [k / 4][ld columns][4 bytes], which is exactly AMX's quad-interleaved "B" operand (16 k quads x
// 16 columns of 64 bytes per tile), but with the codes signed (int8 as stored, int4 q - 8), so
// both operands are signed and nothing needs correcting. One call: mr rows x 32 columns over the
// chunk's groups, four accumulator tiles; per group the tiles start from zero, take group / 64
// steps of tdpbssd (one of 32 k for groups of 32), go to a stack buffer, and are added in f32:
//
//   out[i][c] += float(sum_k a_ik w_kc) * ws[g][c] * sa[i][g]
//
// in the int8 tile's order of operations (convert, times the weight scale, fused multiply-add
// of the activation scale), so both tiles give the same bits.
#pragma once
#include <cstdint>
#include <string>

#include "codegen/xbyak/amx_gemm.h"
#include "codegen/xbyak/amx_panel_tile.h"
#include "codegen/xbyak/int8_tile.h"

namespace q3c::xbyak {

constexpr int kAmxInt8PanelCols = 32;  // output columns of every call (2 tiles of 16)
constexpr int kAmxInt8PanelRows = 32;  // the largest tile: 2 activation tiles of 16 rows

// Field for field Int8TileArgs; here w is the packed chunk [k / 4][ld columns][4 bytes] of
// signed codes at the call's first column, ws the chunk's weight scales [group][ld columns] at
// that column, and out rows of ld sums. A panel of ld = 64 columns takes two calls per rows, the
// second on columns 32..63: it finds the activation rows in cache.
using AmxInt8PanelArgs = Int8TileArgs;
constexpr int64_t kAmxInt8PanelResume = kInt8Resume;
using AmxInt8PanelFn = Int8TileFn;

class AmxInt8PanelKernel : public Generator {
 public:
  // mr 1 .. kAmxInt8PanelRows; ld the panel's columns, a positive multiple of 32; group a
  // multiple of 32 (whole tdpbssd steps of 64 k, or one of 32).
  AmxInt8PanelKernel(int mr, int ld, int64_t group);
  AmxInt8PanelFn fn() const { return fn_; }

 private:
  AmxTileConfig config_;  // the tiles sized for mr rows and the group's step; the code loads it from here
  AmxInt8PanelFn fn_;
};

// The kernels for every row count, table()[mr - 1], on panels of ld columns and one group size.
class AmxInt8PanelSet : public RowCountKernels<AmxInt8PanelKernel> {
 public:
  AmxInt8PanelSet(int ld, int64_t group);
};

// Whether the jit may run the AMX-INT8 panel tiles under `--isa cap`: only "native", on a CPU
// with AMX-INT8 whose tile state Linux granted to this process (asked once).
bool amxInt8PanelsAllowed(const std::string& isaCap);

}  // namespace q3c::xbyak
