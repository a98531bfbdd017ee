// Kernel plans: for one node of the fused graph, what the generated function computes, which
// pointers it receives, and the key under which identical kernels (every layer's) are shared.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "codegen/constants.h"
#include "codegen/llvm/kernel_builder.h"
#include "codegen/xbyak/tiling.h"
#include "frontend/error.h"
#include "ir/graph.h"
#include "ir/quant.h"

namespace q3c::llvmgen {

// What ptrs[i] of a kernel call points to.
struct ArgRef {
  enum Kind { Value, ConstantPart, KCache, VCache, Scratch, Ids, Tiles, PackedTiles, Shared } kind;
  ir::ValueId value = -1;  // Value: that value's buffer; ConstantPart: the constant
  int64_t layer = 0;       // KCache, VCache: the layer's cache base; ConstantPart: part index;
                           // Tiles, PackedTiles: the executable's tile set (set when it builds them)
};

// Rows [start, start + rows) of a weight, found at ptrs[arg] (row 0 of the part).
struct WeightSegment {
  int arg;
  int64_t start, rows;
};
// Adds one ConstantPart argument per part of constant `w` to `args`; returns the segments.
std::vector<WeightSegment> weightSegments(const ConstantTable& constants, ir::ValueId w, std::vector<ArgRef>& args);
// The segment holding row `row`.
const WeightSegment& segmentOf(const std::vector<WeightSegment>& segs, int64_t row);

// How matmul-family kernels compute their products: with the Xbyak dot tiles (the jit
// backend) or with LLVM's own loops (the llvm backend).
struct TileOptions {
  bool enabled = false;
  ir::DType activations = ir::DType::F32;  // --precision: A rounded to bf16, or kept f32
  xbyak::Isa isa = xbyak::Isa::Avx2;
  bool vnni = false;  // the int8 dot (vpdpbusd) on 512-bit registers: the native ISA has AVX512-VNNI
  // Quantized products on integer dots, whatever the activation type: decode's on the int8 dot
  // (quant_dot.cpp), and on AVX2 prefill's on the int16 tiles (PackedPanels::Int16):
  // --precision auto or bf16 (f32 keeps the fp32-accumulate GEMV and dot tiles).
  bool integerDots = false;
  bool amx = false;   // bf16 prefill on AMX-BF16 (tdpbf16ps): --isa native on a CPU that has it and
                      // whose tile state Linux granted (xbyak::amxPanelsAllowed)
  bool amxInt8 = false;  // quantized prefill on AMX-INT8 (tdpbssd), likewise (xbyak::amxInt8PanelsAllowed)
};

// The Xbyak dot tiles a kernel calls through its Tiles argument: every tile size of (a, w),
// see codegen/xbyak/dot_tile.h.
struct TileRequest {
  ir::DType a, w;
};

// Prefill on packed panels (packed_panels.cpp): per panel of 48 weight rows (64 for AMX) and
// chunk of K, the chunk packed column-interleaved (into L1; AMX's into L2) for tiles whose
// accumulator lanes are output columns:
// int8 and int4 weights on the int8 dot (Int8: codegen/xbyak/int8_tile.h, activations
// quantized to int8 codes in records) or, on AVX2, int8 weights on vpmaddwd (Int16:
// codegen/xbyak/int16_tile.h, weights widened to int16, activations quantized to int16 codes)
// and int4 ones on vpmaddubsw (Int4Madd: codegen/xbyak/int4_madd_tile.h, 4-bit codes as bytes,
// activations quantized to int8 codes in records of 32 k, as Int8's);
// bf16 weights on vdpbf16ps (codegen/xbyak/bf16_panel_tile.h) or, where AMX is granted, on
// tdpbf16ps (codegen/xbyak/amx_panel_tile.h); where AMX-INT8 is granted, int8 and int4 weights
// on tdpbssd (AmxInt8: codegen/xbyak/amx_int8_panel_tile.h, Int8's records, signed codes).
struct PackedPanels {
  enum Kind { None, Int8, Int16, Int4Madd, Bf16, AmxBf16, AmxInt8 } kind = None;
  llvm::Value* table = nullptr;    // the tiles (the PackedTiles argument)
  llvm::Value* records = nullptr;  // Int8, Int16, Int4Madd, AmxInt8: the activation records
};
// The tile set a kernel's PackedTiles argument points to: its kind, and the quantization group
// (Int8, Int16, AmxInt8), the records' block of k (Int4Madd) or the panel columns (AmxBf16); 0
// for Bf16.
struct PackedTileRequest {
  PackedPanels::Kind kind;
  int64_t param;
  bool zeroPoints = false;  // Int4Madd: int4zp's tiles, which add the zero points themselves
  bool operator<(const PackedTileRequest& o) const {
    return std::tie(kind, param, zeroPoints) < std::tie(o.kind, o.param, o.zeroPoints);
  }
};

struct KernelPlan {
  std::string name;  // readable, e.g. "matmul_add_bf16_4096x2560"
  std::string key;   // everything the generated code depends on
  std::vector<ArgRef> args;
  int64_t scratchFloatsPerToken = 0;  // scratch the kernel needs, per token of T and per thread
  int64_t scratchFloatsPerThread = 0; // and per thread whatever T, after the per-token floats
  // Floats of the area its Shared argument points to: one area for all of a call's parts, zeroed
  // at load, in which the kernel leaves its first 8 bytes zero when it returns (a counter of
  // its parts done; the rest is what the parts hand to the one that finishes last).
  int64_t sharedFloats = 0;
  // Parts per pool thread when it runs one row (decode); 0: the executable's default (see
  // kDecodePartsPerThread in llvm_executable.cpp).
  int decodePartsPerThread = 0;
  bool splits = false;                // runs as parts on the thread pool (else once, as part 0 of 1)
  std::optional<TileRequest> tiles;   // the dot tiles its Tiles argument points to
  std::optional<PackedTileRequest> packedTiles;  // what its PackedTiles argument points to
  std::function<void(KernelBuilder&)> emit;
};

// The plan for a run-time node; throws q3c::Error for an op the backend cannot compile.
KernelPlan planKernel(const ir::Graph& g, const ir::Node& n, const ConstantTable& constants, const TileOptions& tiles);

// Families, one file each.
KernelPlan planMatMul(const ir::Graph& g, const ir::Node& n, const ConstantTable& constants, const TileOptions& tiles);
KernelPlan planQkvRopeKv(const ir::Graph& g, const ir::Node& n, const ConstantTable& constants, const TileOptions& tiles);
KernelPlan planAttention(const ir::Graph& g, const ir::Node& n, const TileOptions& tiles);
KernelPlan planElementwise(const ir::Graph& g, const ir::Node& n, const ConstantTable& constants);

// Shared pieces.
// The error for a quantized weight where LLVM's own loops would read it (--backend llvm).
Error quantizedNeedsJit(const ir::Graph& g, const ir::Node& n);
std::string attrsKey(const ir::Node& n);  // attributes that shape the code, printed
ir::DType dtypeOf(const ir::Graph& g, const ConstantTable& constants, ir::ValueId v);
int64_t rowsPerToken(const ir::TensorType& t);  // product of the constant dims but the last
// sum_{i<n} a[ai + i] * b[bi + i] with both arrays widened from their dtypes.
llvm::Value* emitDot(KernelBuilder& kb, llvm::Value* a, llvm::Value* ai, ir::DType ad, llvm::Value* b, llvm::Value* bi,
                     ir::DType bd, int64_t n);
// Normalizes n floats at x[xi..] in place (RMS with eps), scaling by w (dtype wd) if given.
void emitRmsNormInPlace(KernelBuilder& kb, llvm::Value* x, llvm::Value* xi, int64_t n, float eps, llvm::Value* w,
                        ir::DType wd);

// RMSNorm prologue of the matmul family: inv[m] = 1/rms(x row m) for m < M; with a norm
// weight g, also xs[m, k] = x[m, k] * g[k]. Returns the input the product should read.
llvm::Value* emitNormPrologue(KernelBuilder& kb, llvm::Value* x, llvm::Value* M, int64_t K, float eps, llvm::Value* inv,
                              llvm::Value* g, ir::DType gType, llvm::Value* xs);
// cos and sin (times attentionFactor) of position (past + t) * invFreq[i] for t < T, into
// cosT and sinT, [T, invFreq.size()] each: the angle rounded to f32 as transformers does, the
// cosine taken in double and rounded once.
void emitRopeTables(KernelBuilder& kb, const std::vector<float>& invFreq, float attentionFactor, llvm::Value* cosT,
                    llvm::Value* sinT);
// Rotate-half RoPE of one head: dst[i], dst[i + half] from src[i], src[i + half] with the
// table row `tableRow` of cosT/sinT (dst may be src: each pair is read before it is written).
void emitRotateHead(KernelBuilder& kb, llvm::Value* src, llvm::Value* srcIndex, llvm::Value* dst, llvm::Value* dstIndex,
                    llvm::Value* cosT, llvm::Value* sinT, llvm::Value* tableRow, int64_t half);

// Quantized rows (dequant.cpp). Elements [k0, k1) of the quantized row at `row` (rows of K,
// format f; k0 and k1 multiples of the vector width) to dst[dstIndex ..] as f32 or bf16.
void emitDequantRange(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, llvm::Value* row, llvm::Value* k0,
                      llvm::Value* k1, llvm::Value* dst, llvm::Value* dstIndex, ir::DType dstType);
// Called by emitPanelProducts before each K chunk [k0, k1) of a panel.
using PanelPrepare = std::function<void(llvm::Value* k0, llvm::Value* k1)>;
// A prepare step that dequantizes the chunk of the nr quantized rows qRows points to into a
// stack panel of `panelType` (the tiles' weight type) and points rowPtrs at it.
PanelPrepare quantizedPanel(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, ir::DType panelType,
                            const xbyak::GemmTiling& t, llvm::Value* qRows, llvm::Value* rowPtrs, llvm::Value* nr);

// One input row (a, K elements of aType) times `rows` quantized weight rows (pointers in qRows):
// sums[j] for j < rows, dequantizing in registers as the weights stream in, f32 accumulation,
// the group scale applied once per group. Decode's product: the weights are read once, at
// memory speed, without the round trip through a dequantized panel.
void emitQuantizedGemv(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, int rows, ir::DType aType, llvm::Value* a,
                       llvm::Value* qRows, llvm::Value* sums);
// if (cond) then() else otherwise()
void emitIfElse(KernelBuilder& kb, llvm::Value* cond, const std::function<void()>& then, const std::function<void()>& otherwise);

// Dot tiles from generated code (tile_calls.cpp).
// The weight type the tiles read for weights of type w: w itself, or for quantized weights
// the activation type (their rows are dequantized to it chunk by chunk).
ir::DType panelType(const TileOptions& opt, ir::DType w);
// Whether a product of f32 activations at `precision` with `w` weights runs on the tiles.
bool useTiles(const TileOptions& opt, ir::DType w);
// The tiling of a product with K inputs and `w` weights under `opt`.
xbyak::GemmTiling tilingFor(const TileOptions& opt, int64_t K, ir::DType w);
std::string tilingKey(const xbyak::GemmTiling& t, ir::DType a);
// dst[m, k] = bf16(x[m, k] * g[k]) (without g: bf16(x[m, k])) for m < M, rounded to nearest
// even: the activations of the bf16 dot.
void emitBf16Rows(KernelBuilder& kb, llvm::Value* x, llvm::Value* M, int64_t K, llvm::Value* g, ir::DType gType,
                  llvm::Value* dst);
// A byte pointer to weight row `row`, which lies in one of `segs` (rows of rowBytes each).
llvm::Value* emitRowPointer(KernelBuilder& kb, const std::vector<WeightSegment>& segs, llvm::Value* row,
                            int64_t rowBytes);
// The products of input rows [mb, mEnd) (at most mBlock) with the nr weight rows rowPtrs
// points to: sums[(m - mb) * t.nr + j] = sum_k A[m, k] * W_j[k]. Walks the K chunks, in each
// every mr-row tile of the block; then adds the last K % step products here. `A` holds rows
// of K elements of type `a`, `lda` elements apart (0: K). `scratch` comes from tileScratch, made once per kernel.
// Rows [0, M) in equal blocks of at most t.mBlock rows (multiples of t.mr): body(mb, mEnd).
// Equal, so that a short last block does not stream a weight panel for a few rows.
void emitMBlocks(KernelBuilder& kb, const xbyak::GemmTiling& t, llvm::Value* M,
                 const std::function<void(llvm::Value* mb, llvm::Value* mEnd)>& body);
struct TileScratch {
  llvm::Value *args, *partial;
  int64_t partialFloatsPerTile;
};
TileScratch tileScratch(KernelBuilder& kb, const xbyak::GemmTiling& t, xbyak::Isa isa);
void emitPanelProducts(KernelBuilder& kb, const xbyak::GemmTiling& t, ir::DType a, ir::DType w, int64_t K,
                       llvm::Value* table, const TileScratch& scratch, llvm::Value* A, llvm::Value* mb,
                       llvm::Value* mEnd, llvm::Value* nr, llvm::Value* rowPtrs, llvm::Value* sums, int64_t lda = 0,
                       const PanelPrepare& prepare = {});

// Decode on the int8 dot (quant_dot.cpp): the input row quantized once per call, then each
// panel's rows against it with vpdpbusd (AVX2: vpmaddubsw + vpmaddwd).
struct ActivationCodes {
  llvm::Value* codes;       // K int8 codes (in a stack array of K / 4 floats)
  llvm::Value* scale;       // per group: its activation scale
  llvm::Value* correction;  // per group: offset * scale * (sum of its codes) / lanes per group
  llvm::Value* minShare;    // per group: scale * (sum of its codes) / lanes per group
};
// Whether rows of K in format f can take the int8 dot (whole chunks of 64;
// vpdpbusd with AVX512-VNNI, else vpmaddubsw + vpmaddwd).
bool intDotSupports(const ir::QuantFormat& f, int64_t K);
// The codes' arrays, in `area` (the thread's scratch: activationCodeFloats), for a kernel whose
// products read weights of type wType (format f, rows of K); none where the int8 dot does not
// apply (quantized weights, TileOptions::integerDots, intDotSupports).
std::optional<ActivationCodes> intDotCodes(KernelBuilder& kb, ir::DType wType, const ir::QuantFormat& f, int64_t K,
                                           bool int8Decode, llvm::Value* area);
// Floats of the area intDotCodes takes (its codes and per-group arrays), or 0 where the int8
// dot does not apply: the one rule for both.
int64_t activationCodeFloats(ir::DType wType, const ir::QuantFormat& f, int64_t K, bool int8Decode);
// Decode's GEMV panels (a product's one-row calls on the int8 dot), for the matmul kernels and
// the fused QKV kernel: the tiling, whose nr may differ from the tiles' (2 rows for 4-bit codes
// on AVX2), and whether a panel's rows are spread across the part (the matmuls' output columns,
// the QKV kernel's head) instead of side by side, so each row streams on its own (AVX2, rows
// under 4 KB); see quant_dot.cpp. keySuffix names both in the kernel's cache key.
struct GemvPanels {
  xbyak::GemmTiling tiling;
  bool spread = false;
  std::string keySuffix;
};
// For a product of K-element rows of wType (format f) under the tiles' tiling t. `spreadUnit`:
// rows spread only where it is a whole number of panels (the QKV kernel's head size; 0: any).
GemvPanels intDotGemvPanels(const TileOptions& tiles, ir::DType wType, const ir::QuantFormat& f, int64_t K,
                            const xbyak::GemmTiling& t, int64_t spreadUnit = 0);
// KernelPlan::decodePartsPerThread for a product of wType weights: 0 (the executable's default)
// but for quantized weights on AVX2, which keep one part a thread (see quant_dot.cpp).
int decodePartsPerThreadFor(const TileOptions& tiles, ir::DType wType);
// At the start of an M block [mb, mEnd) of aType rows A: when it is one row, that row's codes
// into act. Where the whole input is that one row (M = 1: decode), act is the thread's and the
// codes are computed only in its first part of the call (KernelBuilder::oncePerThread).
void emitOneRowActivationCodes(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, ir::DType aType, llvm::Value* A,
                               llvm::Value* M, llvm::Value* mb, llvm::Value* mEnd, const ActivationCodes& act);
// One group of activations quantized to int8 codes (scale max|x| / 127, rounded to nearest
// even): the rule decode's GEMV and prefill's records share, so that both paths see the same
// codes. `group` elements of aType at a[base ..]; codes as i32 vectors of kb.vw() lanes.
// codeMax 32767: the int16 codes of the AVX2 prefill tiles, by the same rule.
struct GroupCodes {
  std::vector<llvm::Value*> codes;
  llvm::Value* scale;  // f32
  llvm::Value* sum;    // i32: the codes' sum
};
GroupCodes emitGroupCodes(KernelBuilder& kb, llvm::Value* a, llvm::Value* base, int64_t group, ir::DType aType,
                          float codeMax = 127.0f);
void emitQuantizeActivations(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, ir::DType aType, llvm::Value* a,
                             const ActivationCodes& act);
// panelStep: rows from a panel's first weight row to the next panel's (for the prefetch).
void emitQuantizedGemvDot(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, int rows, int64_t panelStep,
                          const ActivationCodes& act, llvm::Value* qRows, llvm::Value* sums);

// The products of rows [mb, mEnd) with the nr quantized rows qRows points to (as
// emitPanelProducts): one row (decode) with emitQuantizedGemv, more on the dot tiles through
// a panel dequantized chunk by chunk into rowPtrs. With `act` (the row's codes, see below) the
// one-row case takes the int8 dot.
void emitQuantizedProducts(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, const xbyak::GemmTiling& t,
                           ir::DType aType, llvm::Value* table, const TileScratch& scratch, llvm::Value* A,
                           llvm::Value* mb, llvm::Value* mEnd, llvm::Value* nr, llvm::Value* qRows, llvm::Value* rowPtrs,
                           llvm::Value* sums, const ActivationCodes* act = nullptr, int64_t panelStep = 0);

// Prefill on packed panels (packed_panels.cpp, PackedPanels above).
// The kind a product with `w` weights (format f, rows of K) takes under `opt`: Int8 for int8 and
// int4 with bf16 activations on AVX512-VNNI (chunks of whole groups); on AVX2 where quantized
// products take integer dots (opt.integerDots: --precision auto or bf16), Int4Madd for int4 and
// int4zp (K a multiple of 64, groups a multiple of 16) and Int16 for int8 (K a multiple of 32,
// groups of 16 to 256); Bf16 for bf16 (or packed to bf16) weights with bf16
// activations on AVX512-BF16 (K a multiple of 32), AmxBf16 for those where opt.amx; AmxInt8 in
// Int8's place where opt.amxInt8 (groups a multiple of 32 that divide its chunks of 1024 k);
// else None.
PackedPanels::Kind packedPanelsFor(const TileOptions& opt, ir::DType w, const ir::QuantFormat& f, int64_t K);
// The fewest rows a product takes packed panels for: int8 from 2 (the alternative, panels
// dequantized to bf16, is slower at every block size); int16 from 2 (likewise against panels
// dequantized to f32, see docs/quantization.md), int4madd from 2 like them; bf16 from 128 (packing a panel costs
// about a quarter of 64 rows' products: at 64 rows the dot tiles ran 460-511 GFLOP/s against
// 400-450, at 512 rows 413-591 against 596-653; matmul_bench, the 4B's products); AMX from 16
// (on the lent Xeon the 4B prefilled prompts of 32 and 64 tokens 2.2x and 3.3x faster on AMX
// than on the dot tiles; 16 itself not measured); AMX-INT8 from 2, as int8 (not measured).
int64_t packedPanelsMinRows(PackedPanels::Kind kind);
// For a kind other than None: sets p.packedTiles, appends the
// PackedTiles argument and names the blocking in p.key.
void requestPackedTiles(KernelPlan& p, PackedPanels::Kind kind, const ir::QuantFormat& f);
// The blocking the packed tiles run under (48 columns; int8: 4 rows, K chunks of 512; int16: 3
// rows, chunks of 256; int4madd: 3 rows, chunks of 512; bf16: 8 rows, chunks of 256; AMX (both):
// 64 columns, 32 rows, chunks of 1024; M blocks of 512).
xbyak::GemmTiling packedPanelTiling(PackedPanels::Kind kind, int64_t K);
// Bytes of one activation record (0 for kinds without records): Int8 and AmxInt8: K int8 codes, then per
// group {f32 scale, int32 correction}; Int16: K int16 codes, then per group {f32 scale, int4zp's
// f32 zero-point factor or unused}; Int4Madd: K int8 codes, then per block of 32 k (16 for
// groups of 16) {f32 scale, int32 correction -8 x the codes' sum, or int4zp's factor}.
int64_t activationRecordBytes(PackedPanels::Kind kind, const ir::QuantFormat& f, int64_t K);
// rec[m] = the record of row m of A (aType rows of K), for m < M.
void emitActivationRecords(KernelBuilder& kb, PackedPanels::Kind kind, const ir::QuantFormat& f, int64_t K,
                           ir::DType aType, llvm::Value* A, llvm::Value* M, llvm::Value* rec);
// sums[(m - mb) * cols + j] = row m of A times weight row j (rows[j], j < nr <= cols, the
// tiling's nr: 48, or 64 for AMX; quantized in format f for Int8, Int16, Int4Madd and AmxInt8), for m
// in [mb, mEnd). A: bf16 rows of K (Bf16, AmxBf16; the quantized kinds read the records).
void emitPackedPanelProducts(KernelBuilder& kb, const PackedPanels& p, const ir::QuantFormat& f, int64_t K,
                             llvm::Value* A, llvm::Value* mb, llvm::Value* mEnd, llvm::Value* nr, llvm::Value* rows,
                             llvm::Value* sums);

}  // namespace q3c::llvmgen
