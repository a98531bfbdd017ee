// Prefill on packed panels: per panel of 48 weight rows (64 for AMX) and chunk of K, the chunk
// is packed column-interleaved into L1 (L2 for AMX; 16 x 16 transposes of 32-bit words: 4 int8 k or 2 bf16 k of 16
// rows; the next chunk prefetched meanwhile), and every tile of the M block runs over it. The
// packing reads each weight byte once per M block.
//   Int8 (int8 and int4 weights, AVX512-VNNI): the activation rows are quantized once per call
//   into records (int8 codes, then per group the scale and the offset correction); the Xbyak
//   int8 tiles (codegen/xbyak/int8_tile.h) do 4 x 12 vpdpbusd per 3 weight loads.
//   Int16 (int8 weights, AVX2): the same records with int16 codes; the chunk's weights
//   widened to int16, [k / 2][48 columns][2 int16], chunks of 128 k (12 KB: L1 is 32 KB on the
//   AVX2 Zens, and the rows stream through it beside the panel); the Xbyak int16 tiles
//   (codegen/xbyak/int16_tile.h) do 3 x 3 vpmaddwd per 3 weight loads, twice per 48 columns.
//   Int4Madd (int4 weights, AVX2): Int8's records and layout, with blocks of 32 k for groups
//   (int4zp: the zero-point factor for the correction) and the codes 0..15 as they are, in
//   chunks of 256 k (12 KB, as Int16's);
//   the Xbyak int4 madd tiles (codegen/xbyak/int4_madd_tile.h) do 3 x 3 vpmaddubsw per 3
//   weight loads, twice per 48 columns: twice the k of a vpmaddwd per instruction.
//   Bf16 (AVX512-BF16): the bf16 activation rows as they are; the Xbyak bf16 panel tiles
//   (codegen/xbyak/bf16_panel_tile.h) do 8 x 3 vdpbf16ps per 3 weight loads.
//   AmxBf16 (AMX-BF16, where Linux grants the tile state): Bf16's driver on panels of 64
//   columns and chunks of 1024 k; the AMX panel tiles (codegen/xbyak/amx_panel_tile.h) take 32
//   rows x 32 columns per call, 4 tdpbf16ps per 32 k, two calls per tile of rows.
//   AmxInt8 (int8 and int4 weights, AMX-INT8 where Linux grants the tile state): Int8's records
//   and driver on panels of 64 columns and chunks of 1024 k, the codes packed signed (no +128);
//   the AMX-INT8 panel tiles (codegen/xbyak/amx_int8_panel_tile.h) take 32 rows x 32 columns
//   per call, 4 tdpbssd per 64 k and the group scales per group, two calls per tile of rows.
#include <llvm/IR/Intrinsics.h>

#include "codegen/llvm/kernels.h"
#include "codegen/xbyak/amx_int8_panel_tile.h"
#include "codegen/xbyak/amx_panel_tile.h"
#include "codegen/xbyak/bf16_panel_tile.h"
#include "codegen/xbyak/int16_tile.h"
#include "codegen/xbyak/int4_madd_tile.h"
#include "codegen/xbyak/int8_tile.h"

namespace q3c::llvmgen {

using llvm::Value;

namespace {

constexpr int64_t kChunkK = 512;      // int8: k per packed chunk, 48 x 512 bytes = 24 KB: half of a 48 KB L1
constexpr int64_t kBf16ChunkK = 256;  // bf16: 48 x 256 x 2 bytes, the same 24 KB
// The AVX2 tiles (int16, int4 madd): 12 KB, 48 x 128 x 2 bytes and 48 x 256 bytes. Their hosts'
// L1 is 32 KB, where a 24 KB panel shares it badly with the activation rows streaming past: on
// the AVX2 EPYC (Zen 3), the 4B's products at 512 rows ran 1-9% (int16) and 0-8% (int4 madd)
// faster on 12 KB chunks than on 24 KB ones, and 9-11% slower on 48 KB (int16).
constexpr int64_t kInt16ChunkK = 128;
constexpr int64_t kInt4MaddChunkK = 256;
// AMX: 64 x 1024 x 2 bytes = 128 KB, in L2 (on the lent Xeon, 4B prefill: 365 tok/s against
// 343-352 at 512 k and 319 at 256).
constexpr int64_t kAmxChunkK = 1024;
// AMX-INT8: 64 x 1024 bytes = 64 KB, in L2 (on the lent Xeon, int8 4B prefill: chunks of 512 and
// 2048 k were within the machine's spread of 1024's; docs/quantization.md).
constexpr int64_t kAmxInt8ChunkK = 1024;
constexpr int64_t kMBlock = 512;      // rows per M block: the sums, 512 x 48 (AMX: 64) floats, stay on the stack
constexpr int kCols = 48;             // xbyak::kInt8TileCols == kBf16PanelCols
static_assert(xbyak::kInt8TileCols == kCols && xbyak::kInt16TileCols == kCols && xbyak::kInt4MaddTileCols == kCols &&
              xbyak::kBf16PanelCols == kCols);
// AMX: 64 columns a panel, in two calls of 32 whose second finds the activation rows in cache,
// which halves what the tiles read of them (4B prefill 343-352 tok/s against 308-310 at 32).
constexpr int kAmxCols = 64;
static_assert(kAmxCols % xbyak::kAmxPanelCols == 0 && kAmxCols % xbyak::kAmxInt8PanelCols == 0 &&
              kAmxInt8ChunkK % 64 == 0 && kAmxChunkK % 32 == 0 && kChunkK % 32 == 0 && kBf16ChunkK % 32 == 0 &&
              kInt16ChunkK % 32 == 0 && kInt4MaddChunkK % 64 == 0);

// Field for field xbyak::Int4MaddTileArgs: a, ldaBytes, s, w, ws, out, groups, flags, mins;
// xbyak::Int8TileArgs and xbyak::Int16TileArgs are its first eight fields.
llvm::StructType* argsType(KernelBuilder& kb) {
  auto* p = kb.b().getPtrTy();
  auto* i64 = kb.i64();
  return llvm::StructType::get(kb.ctx(), {p, i64, p, p, p, p, i64, i64, p});
}

// The 64 weights at k (codes at byte codeAt of the row) as bytes in k order, the tiles'
// operand: each signed code (int8 as stored, int4 q - 8) + bias, modulo 256 (the int8 tiles: +128,
// unsigned; the int4 madd tiles: +8, q as stored; AMX-INT8: 0, signed), int4's two 32-element
// blocks unpacked from [low nibbles = elements 0..15, high = 16..31] each. As 16 words of 4 k.
Value* biasedCodes64(KernelBuilder& kb, const ir::QuantFormat& f, Value* row, Value* codeAt, int bias) {
  auto& B = kb.b();
  auto* i8 = B.getInt8Ty();
  auto* v16i32 = llvm::FixedVectorType::get(B.getInt32Ty(), 16);
  if (f.scheme == ir::QuantScheme::Int8) {
    Value* q = B.CreateAlignedLoad(v16i32, kb.gep(row, codeAt, i8), llvm::Align(1));
    if (bias == 0) return q;
    auto* v64i8 = llvm::FixedVectorType::get(i8, 64);
    return B.CreateBitCast(B.CreateAdd(B.CreateBitCast(q, v64i8), B.CreateVectorSplat(64, B.getInt8(static_cast<uint8_t>(bias)))),
                           v16i32);
  }
  Value* bytes = B.CreateAlignedLoad(llvm::FixedVectorType::get(i8, 32), kb.gep(row, codeAt, i8), llvm::Align(1));
  Value* low = B.CreateAnd(bytes, B.CreateVectorSplat(32, B.getInt8(15)));
  Value* high = B.CreateLShr(bytes, B.CreateVectorSplat(32, B.getInt8(4)));
  std::vector<int> order;  // low 0..15, high 0..15, low 16..31, high 16..31 of the two inputs
  for (int part = 0; part < 4; ++part)
    for (int i = 0; i < 16; ++i) order.push_back((part % 2) * 32 + (part / 2) * 16 + i);
  Value* q = B.CreateShuffleVector(low, high, order);
  const int nibbleBias = bias - 8;  // q as stored is the signed code + 8
  if (nibbleBias) q = B.CreateAdd(q, B.CreateVectorSplat(64, B.getInt8(static_cast<uint8_t>(nibbleBias))));
  return B.CreateBitCast(q, v16i32);
}

// The 32 weights at k (a multiple of 32; codes at byte codeAt of the row) as int16, the int16
// tiles' operand: int8 codes as they are, int4 q - 8 (int4zp: q) from its 32-element block
// [low nibbles = elements 0..15, high = 16..31]. As 16 words of 2 k.
Value* int16Codes32(KernelBuilder& kb, const ir::QuantFormat& f, Value* row, Value* codeAt) {
  auto& B = kb.b();
  auto* i8 = B.getInt8Ty();
  Value* q;
  if (f.scheme == ir::QuantScheme::Int8) {
    q = B.CreateAlignedLoad(llvm::FixedVectorType::get(i8, 32), kb.gep(row, codeAt, i8), llvm::Align(1));
  } else {
    Value* bytes = B.CreateAlignedLoad(llvm::FixedVectorType::get(i8, 16), kb.gep(row, codeAt, i8), llvm::Align(1));
    Value* low = B.CreateAnd(bytes, B.CreateVectorSplat(16, B.getInt8(15)));
    Value* high = B.CreateLShr(bytes, B.CreateVectorSplat(16, B.getInt8(4)));
    std::vector<int> order;
    for (int i = 0; i < 32; ++i) order.push_back(i);
    q = B.CreateShuffleVector(low, high, order);
    if (f.scheme == ir::QuantScheme::Int4) q = B.CreateSub(q, B.CreateVectorSplat(32, B.getInt8(8)));
  }
  Value* wide = B.CreateSExt(q, llvm::FixedVectorType::get(B.getInt16Ty(), 32));
  return B.CreateBitCast(wide, llvm::FixedVectorType::get(B.getInt32Ty(), 16));
}

// m[r][c] -> m[c][r] for 16 vectors of 16 lanes: for each bit b of the index, the elements whose
// row and lane differ in b swap across the row pair (r, r + b), one two-input shuffle per row.
void transpose16x16(llvm::IRBuilder<>& B, std::vector<Value*>& m) {
  for (int b = 8; b >= 1; b /= 2) {
    std::vector<int> lowMask, highMask;
    for (int l = 0; l < 16; ++l) {
      lowMask.push_back((l & b) == 0 ? l : 16 + l - b);
      highMask.push_back((l & b) == 0 ? l + b : 16 + l);
    }
    for (int r = 0; r < 16; ++r) {
      if (r & b) continue;
      Value* lo = B.CreateShuffleVector(m[r], m[r + b], lowMask);
      Value* hi = B.CreateShuffleVector(m[r], m[r + b], highMask);
      m[r] = lo;
      m[r + b] = hi;
    }
  }
}

// Group g's 8 bytes {f32 scale, 4-byte second field} in the activation record at `record`: they
// follow the row's K codes of `codeBytes` each.
Value* groupRecord(KernelBuilder& kb, Value* record, int64_t K, int64_t codeBytes, Value* g) {
  auto& B = kb.b();
  return kb.gep(record, B.CreateAdd(kb.i(K * codeBytes), B.CreateMul(g, kb.i(8))), B.getInt8Ty());
}

// The k per activation record entry: the group, except on the int4 madd tiles, whose int16 sums
// must be widened every 32 k (xbyak::kInt4MaddMaxBlock): blocks of 32 there (16 for groups of 16;
// groups are a multiple of 16). Each block's activation scale is its own (a finer grid than the
// group's), the weight scale its group's.
int64_t recordBlock(PackedPanels::Kind kind, const ir::QuantFormat& f) {
  if (kind != PackedPanels::Int4Madd) return f.group;
  return f.group % xbyak::kInt4MaddMaxBlock == 0 ? xbyak::kInt4MaddMaxBlock : 16;
}

}  // namespace

PackedPanels::Kind packedPanelsFor(const TileOptions& opt, ir::DType w, const ir::QuantFormat& f, int64_t K) {
  if (!opt.enabled) return PackedPanels::None;
  if (opt.isa == xbyak::Isa::Avx2) {
    if (ir::isQuantized(w) && opt.integerDots && f.scheme != ir::QuantScheme::Int8 && K % 64 == 0 && f.group % 16 == 0)
      return PackedPanels::Int4Madd;
    const bool fits = f.group % 16 == 0 && f.group <= xbyak::kInt16MaxGroup && kInt16ChunkK % f.group == 0 && K % 32 == 0;
    return ir::isQuantized(w) && opt.integerDots && fits ? PackedPanels::Int16 : PackedPanels::None;
  }
  if (opt.activations != ir::DType::BF16 || opt.isa != xbyak::Isa::Avx512Bf16) return PackedPanels::None;
  if (ir::isQuantized(w)) {
    if (f.scheme == ir::QuantScheme::Int4Zp || K % 64 != 0) return PackedPanels::None;
    if (opt.amxInt8 && f.group % 32 == 0 && kAmxInt8ChunkK % f.group == 0) return PackedPanels::AmxInt8;
    return opt.vnni && f.group % 16 == 0 && kChunkK % f.group == 0 ? PackedPanels::Int8 : PackedPanels::None;
  }
  if (panelType(opt, w) != ir::DType::BF16 || K % 32 != 0) return PackedPanels::None;
  return opt.amx ? PackedPanels::AmxBf16 : PackedPanels::Bf16;
}

int64_t packedPanelsMinRows(PackedPanels::Kind kind) {
  switch (kind) {
    case PackedPanels::Bf16: return 128;
    case PackedPanels::AmxBf16: return 16;
    default: return 2;
  }
}

void requestPackedTiles(KernelPlan& p, PackedPanels::Kind kind, const ir::QuantFormat& f) {
  switch (kind) {
    case PackedPanels::None: return;
    case PackedPanels::Int8:
      p.packedTiles = PackedTileRequest{kind, f.group};
      p.key += " packed=int8/48x4/c512/m512";
      break;
    case PackedPanels::Int16:
      p.packedTiles = PackedTileRequest{kind, f.group};
      p.key += " packed=int16/48x3/c128/m512";
      break;
    case PackedPanels::Int4Madd:
      p.packedTiles = PackedTileRequest{kind, recordBlock(kind, f), f.scheme == ir::QuantScheme::Int4Zp};
      p.key += " packed=int4madd/48x3/c256/b" + std::to_string(recordBlock(kind, f)) + "/m512";
      break;
    case PackedPanels::Bf16:
      p.packedTiles = PackedTileRequest{kind, 0};
      p.key += " packed=bf16/48x8/c256/m512";
      break;
    case PackedPanels::AmxBf16:
      p.packedTiles = PackedTileRequest{kind, kAmxCols};
      p.key += " packed=amx-bf16/64x32/c1024/m512";
      break;
    case PackedPanels::AmxInt8:
      p.packedTiles = PackedTileRequest{kind, f.group};
      p.key += " packed=amx-int8/64x32/c1024/m512";
      break;
  }
  p.args.push_back({ArgRef::PackedTiles});
}

int64_t activationRecordBytes(PackedPanels::Kind kind, const ir::QuantFormat& f, int64_t K) {
  if (kind == PackedPanels::Int8 || kind == PackedPanels::AmxInt8) return K + 8 * (K / f.group);
  if (kind == PackedPanels::Int16) return 2 * K + 8 * (K / f.group);
  if (kind == PackedPanels::Int4Madd) return K + 8 * (K / recordBlock(kind, f));
  return 0;
}

xbyak::GemmTiling packedPanelTiling(PackedPanels::Kind kind, int64_t K) {
  xbyak::GemmTiling t;
  t.nr = kCols;
  t.kFull = K;
  t.mBlock = kMBlock;
  switch (kind) {
    case PackedPanels::Int8: t.mr = xbyak::kInt8TileRows, t.kStep = 4, t.kChunk = kChunkK; break;
    case PackedPanels::Int16: t.mr = xbyak::kInt16TileRows, t.kStep = 2, t.kChunk = kInt16ChunkK; break;
    case PackedPanels::Int4Madd: t.mr = xbyak::kInt4MaddTileRows, t.kStep = 4, t.kChunk = kInt4MaddChunkK; break;
    case PackedPanels::AmxBf16: t.mr = xbyak::kAmxPanelRows, t.nr = kAmxCols, t.kStep = 2, t.kChunk = kAmxChunkK; break;
    case PackedPanels::AmxInt8:
      t.mr = xbyak::kAmxInt8PanelRows, t.nr = kAmxCols, t.kStep = 4, t.kChunk = kAmxInt8ChunkK;
      break;
    default: t.mr = xbyak::kBf16PanelRows, t.kStep = 2, t.kChunk = kBf16ChunkK; break;
  }
  return t;
}

void emitActivationRecords(KernelBuilder& kb, PackedPanels::Kind kind, const ir::QuantFormat& f, int64_t K,
                           ir::DType aType, Value* A, Value* M, Value* rec) {
  auto& B = kb.b();
  const bool int16 = kind == PackedPanels::Int16, madd = kind == PackedPanels::Int4Madd;
  const int64_t recBytes = activationRecordBytes(kind, f, K), codeBytes = int16 ? 2 : 1, block = recordBlock(kind, f);
  auto* vcode = llvm::FixedVectorType::get(int16 ? B.getInt16Ty() : B.getInt8Ty(), kb.vw());
  kb.loop(kb.i(0), M, 1, [&](Value* m) {
    Value* a = kb.gep(A, B.CreateMul(m, kb.i(K * ir::dtypeSize(aType))), B.getInt8Ty());
    Value* r = kb.gep(rec, B.CreateMul(m, kb.i(recBytes)), B.getInt8Ty());
    kb.loop(kb.i(0), kb.i(K / block), 1, [&](Value* g) {
      Value* base = B.CreateMul(g, kb.i(block));
      // Int8: the rule decode's codes follow too; Int16: the same rule at 32767 steps.
      const GroupCodes gc = emitGroupCodes(kb, a, base, block, aType, int16 ? 32767.0f : 127.0f);
      for (size_t v = 0; v < gc.codes.size(); ++v) {
        Value* at = B.CreateMul(B.CreateAdd(base, kb.i(v * kb.vw())), kb.i(codeBytes));
        B.CreateAlignedStore(B.CreateTrunc(gc.codes[v], vcode), kb.gep(r, at, B.getInt8Ty()), llvm::Align(1));
      }
      // The second field. Int8: the weights enter as code + 128, and -128 x the codes' sum (int32)
      // cancels that; Int4Madd: int4 codes q enter for q - 8, and -8 x the sum cancels that.
      // Int16's int8 and int4 weights are signed: nothing to cancel (0). int4zp's enter as they
      // are (w = scale q + min), and their zero points add min x scale x the codes' sum per
      // group: that f32 factor, for emitZeroPointTerms (Int16) or the tiles (Int4Madd).
      Value* second = B.getInt32(0);
      if (f.scheme == ir::QuantScheme::Int4Zp) second = B.CreateFMul(gc.scale, B.CreateSIToFP(gc.sum, kb.f32()));
      else if (!int16) second = B.CreateMul(gc.sum, B.getInt32(madd ? -8 : -128));
      Value* at = groupRecord(kb, r, K, codeBytes, g);
      B.CreateAlignedStore(gc.scale, at, llvm::Align(4));
      B.CreateAlignedStore(second, kb.gep(at, kb.i(4), B.getInt8Ty()), llvm::Align(4));
    });
  });
}

namespace {

// Row pointers of the panel: the nr given, then the first repeated up to `cols` (a short
// panel's extra columns read a real row; their sums are not used).
std::vector<Value*> panelRows(KernelBuilder& kb, Value* rows, Value* nr, int cols) {
  auto& B = kb.b();
  auto* ptrTy = B.getPtrTy();
  kb.loop(nr, kb.i(cols), 1, [&](Value* j) { B.CreateStore(B.CreateLoad(ptrTy, rows), kb.gep(rows, j, ptrTy)); });
  std::vector<Value*> out;
  for (int j = 0; j < cols; ++j) out.push_back(B.CreateLoad(ptrTy, kb.gep(rows, kb.i(j), ptrTy)));
  return out;
}

// Packs k in [k0, k1) of the rows (48, or 64 for AMX) into packed[(k - k0) / perWord][rows][4
// bytes], blocks of 16 words (16 x perWord k) at a time: `words(row, k)` gives a row's 16 words from k on,
// `bytesAt(k)` where k lies in a row (to prefetch the next chunk, `ahead` k further).
void emitPackChunk(KernelBuilder& kb, const std::vector<Value*>& rowPtr, Value* k0, Value* k1, int64_t perWord,
                   int64_t ahead, const std::function<Value*(Value* row, Value* k)>& words,
                   const std::function<Value*(Value* k)>& bytesAt, Value* packed) {
  auto& B = kb.b();
  const int64_t cols = static_cast<int64_t>(rowPtr.size());
  kb.loop(k0, k1, 16 * perWord, [&](Value* k) {
    Value* word0 = B.CreateSDiv(B.CreateSub(k, k0), kb.i(perWord));
    // The next chunk's lines of every row, fetched while this chunk's tiles run: the packing
    // is where the weights come from memory.
    Value* next = bytesAt(B.CreateAdd(k, kb.i(ahead)));
    for (Value* row : rowPtr) kb.prefetch(kb.gep(row, next, B.getInt8Ty()), 2);
    for (int64_t v = 0; v < cols / 16; ++v) {
      std::vector<Value*> m;
      for (int r = 0; r < 16; ++r) m.push_back(words(rowPtr[16 * v + r], k));
      transpose16x16(B, m);  // a gather per 16 words instead was 5x slower
      for (int c = 0; c < 16; ++c) {
        Value* at = B.CreateAdd(B.CreateMul(B.CreateAdd(word0, kb.i(c)), kb.i(cols * 4)), kb.i(v * 64));
        B.CreateAlignedStore(m[c], kb.gep(packed, at, B.getInt8Ty()), llvm::Align(64));
      }
    }
  });
}

// Calls table[mr - 1](args) for every tile of rows [mb, mEnd), `rowsPerTile` at a time, after
// `setRows(m)` has pointed the arguments at row m; with `setCall`, `calls` times per tile, after
// setCall(m, i) for call i.
void emitTileCalls(KernelBuilder& kb, Value* table, Value* args, int rowsPerTile, Value* mb, Value* mEnd,
                   const std::function<void(Value* m)>& setRows, int calls = 1,
                   const std::function<void(Value* m, int i)>& setCall = nullptr) {
  auto& B = kb.b();
  auto* ptrTy = B.getPtrTy();
  kb.loop(mb, mEnd, rowsPerTile, [&](Value* m) {
    Value* mr = kb.smin(kb.i(rowsPerTile), B.CreateSub(mEnd, m));
    setRows(m);
    Value* fn = B.CreateLoad(ptrTy, kb.gep(table, B.CreateSub(mr, kb.i(1)), ptrTy));
    for (int i = 0; i < calls; ++i) {
      if (setCall) setCall(m, i);
      B.CreateCall(llvm::FunctionType::get(B.getVoidTy(), {ptrTy}, false), fn, {args});
    }
  });
}

// int4zp on the Int16 tiles: the zero points' share of rows [mb, mEnd) for the chunk's groups
// [g0, g0 + groups), added to the sums the tiles left: per row and group, the record's
// scale x codes' sum (emitActivationRecords) times each column's min (`mins`, [group][48]).
// (The Int4Madd tiles add it themselves.)
void emitZeroPointTerms(KernelBuilder& kb, int64_t K, Value* rec, int64_t recBytes, Value* mb, Value* mEnd, Value* g0,
                        Value* groups, Value* mins, Value* sums) {
  auto& B = kb.b();
  const int64_t vw = kb.vw();
  kb.loop(mb, mEnd, 1, [&](Value* m) {
    Value* r = kb.gep(rec, B.CreateMul(m, kb.i(recBytes)), B.getInt8Ty());
    Value* row = B.CreateMul(B.CreateSub(m, mb), kb.i(kCols));
    kb.loop(kb.i(0), groups, 1, [&](Value* gi) {
      Value* at = kb.gep(groupRecord(kb, r, K, 2, B.CreateAdd(g0, gi)), kb.i(4), B.getInt8Ty());
      Value* z = kb.splat(kb.loadScalar(at, kb.i(0), ir::DType::F32));
      for (int64_t c = 0; c < kCols; c += vw) {
        Value* sumAt = B.CreateAdd(row, kb.i(c));
        Value* mn = kb.loadVector(mins, B.CreateAdd(B.CreateMul(gi, kb.i(kCols)), kb.i(c)), ir::DType::F32);
        kb.storeVector(kb.fma(z, mn, kb.loadVector(sums, sumAt, ir::DType::F32)), sums, sumAt);
      }
    });
  });
}

// Int8, Int16, Int4Madd and AmxInt8: per chunk, the panel's codes packed (int8 + 128, int4 q, or
// AmxInt8's signed codes in words of 4 k, or int16 in words of 2 k) and its scales (int4zp: and
// mins) gathered per record entry, then the tiles over the records of every row (AmxInt8: each
// tile in two calls of 32 columns).
void emitQuantizedPanelProducts(KernelBuilder& kb, PackedPanels::Kind kind, const ir::QuantFormat& f, int64_t K,
                                Value* table, Value* rec, Value* mb, Value* mEnd, Value* nr, Value* qRows, Value* sums) {
  auto& B = kb.b();
  auto* ptrTy = B.getPtrTy();
  const bool int16 = kind == PackedPanels::Int16, amx = kind == PackedPanels::AmxInt8;
  // The chunk, the panel's columns, the tile's rows and the k per packed 32-bit word (its dot
  // step) as the kind's tiling has them.
  const xbyak::GemmTiling t = packedPanelTiling(kind, K);
  const int64_t chunkK = t.kChunk, codeBytes = int16 ? 2 : 1, perWord = t.kStep;
  const int rowsPerTile = t.mr, cols = static_cast<int>(t.nr), callCols = amx ? xbyak::kAmxInt8PanelCols : cols;
  static_assert(xbyak::kInt8Resume == xbyak::kInt16Resume && xbyak::kInt8Resume == xbyak::kInt4MaddResume &&
                xbyak::kInt8Resume == xbyak::kAmxInt8PanelResume);
  const int64_t recBytes = activationRecordBytes(kind, f, K), scalesAt = ir::codeBytes(f, K);
  const int64_t block = recordBlock(kind, f);  // k per record entry, and per gathered scale
  const int bias = kind == PackedPanels::Int4Madd ? 8 : amx ? 0 : 128;  // see biasedCodes64
  const bool nibbles = f.scheme != ir::QuantScheme::Int8;  // int4, int4zp
  const bool zp = f.scheme == ir::QuantScheme::Int4Zp;  // Int16 and Int4Madd only (packedPanelsFor)
  const int64_t minsAt = scalesAt + 4 * ir::groupsPerRow(f, K);
  auto* vptr = llvm::FixedVectorType::get(ptrTy, 16);
  auto* v16f32 = llvm::FixedVectorType::get(kb.f32(), 16);  // 16 columns' scales (any ISA)
  Value* packed = kb.stackArray(chunkK * cols * codeBytes, B.getInt8Ty());
  Value* scales = kb.stackArray(chunkK / 16 * cols);
  Value* mins = zp ? kb.stackArray(chunkK / 16 * cols) : nullptr;
  llvm::StructType* argsTy = argsType(kb);
  Value* args = kb.stackArray(1, argsTy);
  auto field = [&](int i) { return B.CreateStructGEP(argsTy, args, static_cast<unsigned>(i)); };
  const std::vector<Value*> rowPtr = panelRows(kb, qRows, nr, cols);
  std::vector<Value*> rowVecs;  // for the scale gathers
  for (int v = 0; v < cols / 16; ++v)
    rowVecs.push_back(B.CreateAlignedLoad(vptr, kb.gep(qRows, kb.i(16 * v), ptrTy), llvm::Align(8)));
  Value* all = llvm::Constant::getAllOnesValue(llvm::FixedVectorType::get(B.getInt1Ty(), 16));
  B.CreateStore(kb.i(recBytes), field(1));
  B.CreateStore(packed, field(3));
  B.CreateStore(scales, field(4));
  if (mins) B.CreateStore(mins, field(8));  // read by the Int4Madd tiles with zero points
  auto codeAt = [&](Value* k) { return nibbles ? B.CreateSDiv(k, kb.i(2)) : k; };
  auto words = [&](Value* row, Value* k) {
    return int16 ? int16Codes32(kb, f, row, codeAt(k)) : biasedCodes64(kb, f, row, codeAt(k), bias);
  };
  kb.loop(kb.i(0), kb.i(K), chunkK, [&](Value* k0) {
    Value* k1 = kb.smin(B.CreateAdd(k0, kb.i(chunkK)), kb.i(K));
    // [k / 4][cols][4 bytes] (Int8: codes + 128, Int4Madd: q, AmxInt8: signed codes); Int16: [k / 2][cols][2 int16].
    emitPackChunk(kb, rowPtr, k0, k1, perWord, chunkK, words, codeAt, packed);
    // The chunk's scales (and mins) per record entry, [entry][cols]: entry g of the records
    // lies in weight group g x block / group.
    Value* g0 = B.CreateSDiv(k0, kb.i(block));
    Value* groups = B.CreateSDiv(B.CreateSub(k1, k0), kb.i(block));
    kb.loop(kb.i(0), groups, 1, [&](Value* gi) {
      Value* groupAt = B.CreateMul(B.CreateSDiv(B.CreateMul(B.CreateAdd(g0, gi), kb.i(block)), kb.i(f.group)), kb.i(4));
      for (auto [array, dst] : {std::pair{scalesAt, scales}, std::pair{minsAt, mins}}) {
        if (!dst) continue;
        Value* at = B.CreateAdd(kb.i(array), groupAt);
        for (int v = 0; v < cols / 16; ++v) {
          Value* s = B.CreateMaskedGather(v16f32, B.CreateGEP(B.getInt8Ty(), rowVecs[v], at), llvm::Align(1), all);
          kb.storeVector(s, dst, B.CreateAdd(B.CreateMul(gi, kb.i(cols)), kb.i(16 * v)));
        }
      }
    });
    B.CreateStore(groups, field(6));
    B.CreateStore(B.CreateSelect(B.CreateICmpSGT(k0, kb.i(0)), kb.i(xbyak::kInt8Resume), kb.i(0)), field(7));
    auto setRows = [&](Value* m) {
      Value* r = kb.gep(rec, B.CreateMul(m, kb.i(recBytes)), B.getInt8Ty());
      B.CreateStore(kb.gep(r, B.CreateMul(k0, kb.i(codeBytes)), B.getInt8Ty()), field(0));
      B.CreateStore(groupRecord(kb, r, K, codeBytes, g0), field(2));
    };
    // Call i: columns [i * callCols, (i + 1) * callCols) of the packed chunk, the scales and the sums.
    auto setCall = [&](Value* m, int i) {
      if (cols != callCols) {
        B.CreateStore(kb.gep(packed, kb.i(i * callCols * 4), B.getInt8Ty()), field(3));
        B.CreateStore(kb.gep(scales, kb.i(i * callCols)), field(4));
      }
      B.CreateStore(kb.gep(sums, B.CreateAdd(B.CreateMul(B.CreateSub(m, mb), kb.i(cols)), kb.i(i * callCols))), field(5));
    };
    emitTileCalls(kb, table, args, rowsPerTile, mb, mEnd, setRows, cols / callCols, setCall);
    if (zp && int16) emitZeroPointTerms(kb, K, rec, recBytes, mb, mEnd, g0, groups, mins, sums);
  });
}

// Field for field xbyak::Bf16PanelArgs: a, ldaBytes, w, out, pairs, flags.
llvm::StructType* bf16ArgsType(KernelBuilder& kb) {
  auto* p = kb.b().getPtrTy();
  auto* i64 = kb.i64();
  return llvm::StructType::get(kb.ctx(), {p, i64, p, p, i64, i64});
}

// Bf16 and AmxBf16: per chunk of `chunk` k, the panel's `cols` rows packed, then the tiles of
// `rowsPerTile` rows over it (same arguments, xbyak::Bf16PanelArgs, for both families), each
// tile in calls of `callCols` columns.
void emitBf16Products(KernelBuilder& kb, int64_t K, int cols, int64_t chunk, int rowsPerTile, int callCols, Value* table,
                      Value* A, Value* mb, Value* mEnd, Value* nr, Value* rows, Value* sums) {
  auto& B = kb.b();
  auto* v16i32 = llvm::FixedVectorType::get(B.getInt32Ty(), 16);
  Value* packed = kb.stackArray(chunk * cols * 2, B.getInt8Ty());
  llvm::StructType* argsTy = bf16ArgsType(kb);
  Value* args = kb.stackArray(1, argsTy);
  auto field = [&](int i) { return B.CreateStructGEP(argsTy, args, static_cast<unsigned>(i)); };
  const std::vector<Value*> rowPtr = panelRows(kb, rows, nr, cols);
  B.CreateStore(kb.i(K * 2), field(1));
  auto bytesAt = [&](Value* k) { return B.CreateMul(k, kb.i(2)); };
  kb.loop(kb.i(0), kb.i(K), chunk, [&](Value* k0) {
    Value* k1 = kb.smin(B.CreateAdd(k0, kb.i(chunk)), kb.i(K));
    // [k / 2][cols][2 bf16]: the weights' own bits.
    emitPackChunk(kb, rowPtr, k0, k1, 2, chunk,
                  [&](Value* row, Value* k) {
                    return B.CreateAlignedLoad(v16i32, kb.gep(row, bytesAt(k), B.getInt8Ty()), llvm::Align(1));
                  },
                  bytesAt, packed);
    B.CreateStore(B.CreateSDiv(B.CreateSub(k1, k0), kb.i(2)), field(4));
    B.CreateStore(B.CreateSelect(B.CreateICmpSGT(k0, kb.i(0)), kb.i(xbyak::kBf16PanelResume), kb.i(0)), field(5));
    auto setRows = [&](Value* m) {
      B.CreateStore(kb.gep(A, B.CreateAdd(B.CreateMul(m, kb.i(K * 2)), bytesAt(k0)), B.getInt8Ty()), field(0));
    };
    // Call i: columns [i * callCols, (i + 1) * callCols) of the packed chunk and of the sums.
    auto setCall = [&](Value* m, int i) {
      B.CreateStore(kb.gep(packed, kb.i(i * callCols * 4), B.getInt8Ty()), field(2));
      B.CreateStore(kb.gep(sums, B.CreateAdd(B.CreateMul(B.CreateSub(m, mb), kb.i(cols)), kb.i(i * callCols))), field(3));
    };
    emitTileCalls(kb, table, args, rowsPerTile, mb, mEnd, setRows, cols / callCols, setCall);
  });
}

}  // namespace

void emitPackedPanelProducts(KernelBuilder& kb, const PackedPanels& p, const ir::QuantFormat& f, int64_t K, Value* A,
                             Value* mb, Value* mEnd, Value* nr, Value* rows, Value* sums) {
  if (p.kind == PackedPanels::Int8 || p.kind == PackedPanels::Int16 || p.kind == PackedPanels::Int4Madd ||
      p.kind == PackedPanels::AmxInt8)
    return emitQuantizedPanelProducts(kb, p.kind, f, K, p.table, p.records, mb, mEnd, nr, rows, sums);
  if (p.kind == PackedPanels::Bf16)
    return emitBf16Products(kb, K, kCols, kBf16ChunkK, xbyak::kBf16PanelRows, kCols, p.table, A, mb, mEnd, nr, rows, sums);
  if (p.kind == PackedPanels::AmxBf16)
    return emitBf16Products(kb, K, kAmxCols, kAmxChunkK, xbyak::kAmxPanelRows, xbyak::kAmxPanelCols, p.table, A, mb, mEnd,
                            nr, rows, sums);
  throw Error("internal error: packed-panel products without a kind");
}

}  // namespace q3c::llvmgen
