// Decode's quantized products on the int8 dot (vpdpbusd, AVX512-VNNI): the input row is
// quantized once per call to int8 in the weights' groups (scale max|x| / 127), and each
// 64-element chunk of a weight row is one vpdpbusd: unsigned weight codes (int8 codes + 128,
// or int4 nibbles) times signed activation codes, four products per 32-bit lane. Per lane l
// (elements 4l .. 4l+3 of the chunk) the int sum becomes f32 and takes its group's activation
// scale, the correction for the codes' offset and the weight scale:
//   sum_k x_k w_k ~= sw * sa * (sum_k a_k u_k - off * sum_k a_k)   (+ min * sa * sum_k a_k for int4zp)
// with u = q + off (off = 128 for int8, 8 for int4, 0 for int4zp). Against the f32 GEMV this
// replaces three vector ops per 16 weights (widen, convert, fma) by one per 64, so the row
// streams at memory speed; the activation rounding costs accuracy of the order of int8
// weights' (measured in docs/quantization.md).
// Without AVX512-VNNI (AVX2, or AVX-512 without VNNI) the same 16-lane chunk products come
// from two 32-byte halves of vpmaddubsw (unsigned x signed bytes, pairs summed to int16) and vpmaddwd
// by ones (pairs of those to int32), exact as long as no pair sum passes 32767: int4 nibbles
// (<= 15) are unsigned as they lie, but int8 codes + 128 are not (255 * 127 * 2 > 32767), so
// there the unsigned operand is |q| and the activation code takes q's sign (vpsignb), with
// offset 0: |q| * sign(q) * a = q * a, pairs at most 128 * 127 * 2. Against AVX2's f32 GEMV
// (widen, convert, fma per 8 weights) it took an AVX2-only Zen 3's 4B decode from 56-61% to
// 74-82% of the bandwidth bound (int8), 43-55% to 67-74% (int4) (docs/quantization.md).
#include <optional>

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/IntrinsicsX86.h>

#include "codegen/llvm/kernels.h"

namespace q3c::llvmgen {

using llvm::Value;

namespace {

constexpr int64_t kChunk = 64;  // elements per vpdpbusd

// The offset u = q + off that makes weight codes unsigned (none for int8 on AVX2: see above).
int64_t codeOffset(const KernelBuilder& kb, const ir::QuantFormat& f) {
  if (f.scheme == ir::QuantScheme::Int8) return kb.vnni() ? 128 : 0;
  return f.scheme == ir::QuantScheme::Int4 ? 8 : 0;
}

// int4 codes go in as they lie: a 64-element chunk is two blocks of 16 bytes, and its unsigned
// operand is [low nibbles of both blocks, high nibbles of both blocks], i.e. elements
// [b0 0..15, b1 0..15, b0 16..31, b1 16..31]. The activation codes are stored in that order
// instead (once per call), which spares a byte permute per row and chunk. Position in the
// chunk of the 16 elements starting at offset o (a multiple of 16): (o % 32) / 16 * 32 + o / 32 * 16.

// The group (relative to the chunk's first) of 32-bit lane l of a chunk.
int laneGroup(const ir::QuantFormat& f, int l) {
  if (f.scheme != ir::QuantScheme::Int8 && f.group == 32) return (l / 4) % 2;  // see storedAt
  return static_cast<int>(4 * l / f.group);
}

// Whether lanes l and l + 8 of every chunk lie in the same group (int8 at groups of 64 or
// more, int4 at 32 or more): then AVX2 adds a chunk's two halves before converting to f32
// (emitChunkDot), and the f32 work runs on 8 lanes instead of 16.
bool halvesShareGroups(const ir::QuantFormat& f) {
  for (int l = 0; l < 8; ++l)
    if (laneGroup(f, l) != laneGroup(f, l + 8)) return false;
  return true;
}

// Whether this kernel's GEMV folds the halves (AVX2's products where halvesShareGroups).
bool foldsHalves(const KernelBuilder& kb, const ir::QuantFormat& f) { return !kb.vnni() && halvesShareGroups(f); }

// Lane l (< lanes: 16, or 8 where the halves are folded) of the chunk starting at k0 takes
// v[first group + laneGroup(l)] of the f32 array at byte offset `at` of the row.
Value* groupLanes(KernelBuilder& kb, const ir::QuantFormat& f, Value* row, int64_t at, Value* k0, unsigned lanes) {
  auto& B = kb.b();
  Value* first = B.CreateSDiv(k0, kb.i(f.group));
  Value* arr = kb.gep(row, kb.i(at), B.getInt8Ty());
  if (f.group >= kChunk) return B.CreateVectorSplat(lanes, kb.loadScalar(arr, first, ir::DType::F32));
  const unsigned n = static_cast<unsigned>(kChunk / f.group);  // 2 (group 32) or 4 (group 16): one load
  Value* vals = B.CreateAlignedLoad(llvm::FixedVectorType::get(kb.f32(), n), kb.gep(arr, first), llvm::Align(4));
  std::vector<int> mask;
  for (unsigned l = 0; l < lanes; ++l) mask.push_back(laneGroup(f, static_cast<int>(l)));
  return B.CreateShuffleVector(vals, mask);
}

// The 64 weight codes of the chunk at k0 as unsigned bytes u = q + off (int4: in storedAt
// order; int8 on AVX2: the signed codes q, which emitChunkDot makes |q|).
Value* unsignedCodes(KernelBuilder& kb, const ir::QuantFormat& f, Value* row, Value* k0) {
  auto& B = kb.b();
  if (f.scheme == ir::QuantScheme::Int8) {
    auto* v64 = llvm::FixedVectorType::get(B.getInt8Ty(), 64);
    Value* q = B.CreateAlignedLoad(v64, kb.gep(row, k0, B.getInt8Ty()), llvm::Align(1));
    if (!kb.vnni()) return q;
    return B.CreateXor(q, B.CreateVectorSplat(64, B.getInt8(static_cast<uint8_t>(0x80))));
  }
  auto* v32 = llvm::FixedVectorType::get(B.getInt8Ty(), 32);
  Value* bytes = B.CreateAlignedLoad(v32, kb.gep(row, B.CreateSDiv(k0, kb.i(2)), B.getInt8Ty()), llvm::Align(1));
  Value* low = B.CreateAnd(bytes, B.CreateVectorSplat(32, B.getInt8(15)));
  Value* high = B.CreateAnd(B.CreateLShr(bytes, B.CreateVectorSplat(32, B.getInt8(4))), B.CreateVectorSplat(32, B.getInt8(15)));
  std::vector<int> concat;
  for (int i = 0; i < 64; ++i) concat.push_back(i);
  return B.CreateShuffleVector(low, high, concat);
}

// Lane l (< 16) of the result: the sum over the chunk's bytes 4l .. 4l+3 of u * a (a signed),
// from vpdpbusd or, on AVX2, from vpmaddubsw + vpmaddwd per 32-byte half (see the top). With
// `fold` (AVX2 only, halvesShareGroups) 8 lanes: lane l + lane l + 8, added as int16 pairs
// for int4 (two pairs of nibbles times codes stay below 2 * 3810) and as int32 for int8.
Value* emitChunkDot(KernelBuilder& kb, const ir::QuantFormat& f, Value* u, Value* a, bool fold) {
  auto& B = kb.b();
  auto* v16i32 = llvm::FixedVectorType::get(B.getInt32Ty(), 16);
  if (kb.vnni())
    return B.CreateIntrinsic(llvm::Intrinsic::x86_avx512_vpdpbusd_512, {}, {llvm::ConstantAggregateZero::get(v16i32),
                                                                             B.CreateBitCast(u, v16i32), B.CreateBitCast(a, v16i32)});
  auto* v64i8 = llvm::FixedVectorType::get(B.getInt8Ty(), 64);
  u = B.CreateBitCast(u, v64i8);
  a = B.CreateBitCast(a, v64i8);
  Value* ones = B.CreateVectorSplat(16, B.getInt16(1));
  std::vector<Value*> halves, pairsOf;
  for (int h = 0; h < 2; ++h) {
    std::vector<int> lanes;
    for (int i = 0; i < 32; ++i) lanes.push_back(32 * h + i);
    Value* uh = B.CreateShuffleVector(u, lanes);
    Value* ah = B.CreateShuffleVector(a, lanes);
    if (f.scheme == ir::QuantScheme::Int8) {  // signed codes: |q| times a with q's sign
      ah = B.CreateIntrinsic(llvm::Intrinsic::x86_avx2_psign_b, {}, {ah, uh});
      uh = B.CreateBinaryIntrinsic(llvm::Intrinsic::abs, uh, B.getFalse());
    }
    pairsOf.push_back(B.CreateIntrinsic(llvm::Intrinsic::x86_avx2_pmadd_ub_sw, {}, {uh, ah}));
  }
  auto widen = [&](Value* pairs) { return B.CreateIntrinsic(llvm::Intrinsic::x86_avx2_pmadd_wd, {}, {pairs, ones}); };
  if (fold && f.scheme != ir::QuantScheme::Int8) return widen(B.CreateAdd(pairsOf[0], pairsOf[1]));
  for (Value* pairs : pairsOf) halves.push_back(widen(pairs));
  if (fold) return B.CreateAdd(halves[0], halves[1]);
  std::vector<int> concat;
  for (int i = 0; i < 16; ++i) concat.push_back(i);
  return B.CreateShuffleVector(halves[0], halves[1], concat);
}

// On AVX2 the 4-bit GEMV streams faster from memory with 2 rows a panel (SwiGLU: a gate and an
// up row) than with the tiles' 4, though each row then pays the activations' shared work alone:
// in one process, alternating 20 times, the 4B layer's int4/g32 products (189 MB) ran 1.09-1.16x
// as fast in five such runs, int4zp/g32 1.06x (AVX2 Zen 3; the whole model's decode moves less
// than this VM's noise: 67-70% of its bound against 64-70%). int8/g128 measured neither way at
// 2 (0.95, 1.01x) nor at 6 (1.03-1.09x in the products, 73-76% against 72-75% of the bound in
// the model): it keeps 4.
// Two chunks per step instead, which made the same products 20-30% faster in cache, made them
// 5% (int4) and 17% (int8) slower from memory: not kept.
int64_t intDotGemvRows(xbyak::Isa isa, const ir::QuantFormat& f, int64_t tilesNr) {
  return isa == xbyak::Isa::Avx2 && f.scheme != ir::QuantScheme::Int8 ? 2 : tilesNr;
}

// Side by side, a panel's short rows streamed slowly on AVX2: in one process, alternating 20
// times, the 4B layer's 2560->6144 product read 1.23x (int4/g32), 1.14x (int4zp/g32),
// 1.11-1.18x (int8) as fast with the rows spread across the part (each row of a panel then
// continues its own sequential stream, as SwiGLU's gate and up rows always did); 4096->2560
// 1.04-1.05x for int4 (2.5 KB rows) but 0.93-1.07x for int8 (4.1 KB), 9728->2560 0.96-1.06x.
// In the model's per-kernel profile the fused QKV kernel went from 0.74-0.77 to 0.92-0.97 of
// SwiGLU's GB/s (int4), the int8 lm_head from 0.90-0.95 to 1.01-1.13. Hence rows under 4 KB.
// Why adjacent short rows stream slower is not established (the hardware prefetcher is the
// likely party). Not measured on AVX-512, which keeps them side by side.
bool intDotGemvSpreadsRows(xbyak::Isa isa, const ir::QuantFormat& f, int64_t K) {
  return isa == xbyak::Isa::Avx2 && ir::quantRowBytes(f, K) < 4096;
}

}  // namespace

GemvPanels intDotGemvPanels(const TileOptions& tiles, ir::DType wType, const ir::QuantFormat& f, int64_t K,
                            const xbyak::GemmTiling& t, int64_t spreadUnit) {
  GemvPanels g;
  g.tiling = t;
  if (!tiles.integerDots || !ir::isQuantized(wType)) return g;
  g.tiling.nr = static_cast<int>(intDotGemvRows(tiles.isa, f, t.nr));
  if (g.tiling.nr != t.nr) g.keySuffix += "_gemv" + std::to_string(g.tiling.nr);
  g.spread = intDotGemvSpreadsRows(tiles.isa, f, K) && (spreadUnit == 0 || spreadUnit % g.tiling.nr == 0);
  if (g.spread) g.keySuffix += "_spread";
  return g;
}

bool intDotSupports(const ir::QuantFormat& f, int64_t K) {
  const bool groupFits = f.group >= kChunk ? f.group % kChunk == 0 : kChunk % f.group == 0;
  return K % kChunk == 0 && f.group % 16 == 0 && groupFits;
}

// The input row's int8 codes are made once per thread (emitOneRowActivationCodes), so on
// AVX-512 quantized products take decode's default parts too: 16 parts against 1, switched
// every 4 tokens in one run, took 0.94-1.00 of the time per token on the int8 and int4 4B,
// medians 0.98 against a null of 0.98 (docs/kernels.md). On AVX2 they keep one part a thread,
// as measured there (the 2-row GEMV panels spread their rows across the part, which wants long
// parts), and not measured since.
int decodePartsPerThreadFor(const TileOptions& tiles, ir::DType wType) {
  return ir::isQuantized(wType) && tiles.isa == xbyak::Isa::Avx2 ? 1 : 0;
}

int64_t activationCodeFloats(ir::DType wType, const ir::QuantFormat& f, int64_t K, bool int8Decode) {
  if (!ir::isQuantized(wType) || !int8Decode || f.group <= 0 || !intDotSupports(f, K)) return 0;
  return K / 4 + 3 * (K / f.group) + 16;  // 16: room to start the codes on a cache line
}

std::optional<ActivationCodes> intDotCodes(KernelBuilder& kb, ir::DType wType, const ir::QuantFormat& f, int64_t K,
                                           bool int8Decode, Value* area) {
  if (activationCodeFloats(wType, f, K, int8Decode) == 0) return std::nullopt;
  const int64_t groups = K / f.group;
  auto& B = kb.b();
  Value* at = B.CreateAnd(B.CreateAdd(B.CreatePtrToInt(area, kb.i64()), kb.i(63)), kb.i(~int64_t{63}));
  area = B.CreateIntToPtr(at, B.getPtrTy());
  Value* scale = kb.gep(area, kb.i(K / 4));
  return ActivationCodes{area, scale, kb.gep(scale, kb.i(groups)), kb.gep(scale, kb.i(2 * groups))};
}

void emitOneRowActivationCodes(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, ir::DType aType, Value* A, Value* M,
                               Value* mb, Value* mEnd, const ActivationCodes& act) {
  auto& B = kb.b();
  Value* oneRow = B.CreateICmpEQ(B.CreateSub(mEnd, mb), kb.i(1));
  Value* needed = B.CreateOr(B.CreateICmpNE(M, kb.i(1)), B.CreateICmpNE(kb.prepare(), kb.i(0)));
  emitIfElse(kb, B.CreateAnd(oneRow, needed), [&] {
    Value* row = kb.gep(A, B.CreateMul(mb, kb.i(K * ir::dtypeSize(aType))), B.getInt8Ty());
    emitQuantizeActivations(kb, f, K, aType, row, act);
  }, [] {});
}

GroupCodes emitGroupCodes(KernelBuilder& kb, Value* a, Value* base, int64_t group, ir::DType aType, float codeMax) {
  auto& B = kb.b();
  const int vw = kb.vw();
  auto* vi32 = llvm::FixedVectorType::get(B.getInt32Ty(), vw);
  std::vector<Value*> x;
  Value* amax = kb.zeroVec();
  {
    llvm::IRBuilderBase::FastMathFlagGuard noNaNs(B);  // plain vmaxps, as in hmax
    llvm::FastMathFlags fmf;
    fmf.setNoNaNs();
    B.setFastMathFlags(fmf);
    for (int64_t v = 0; v < group / vw; ++v) {
      x.push_back(kb.loadVector(a, B.CreateAdd(base, kb.i(v * vw)), aType));
      amax = B.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, amax, B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x.back()));
    }
  }
  Value* m = kb.hmax(amax);
  GroupCodes out;
  out.scale = B.CreateFDiv(m, kb.f(codeMax));
  Value* inv = B.CreateSelect(B.CreateFCmpOGT(m, kb.f(0.0f)), B.CreateFDiv(kb.f(codeMax), m), kb.f(0.0f));
  Value* sum = llvm::ConstantAggregateZero::get(vi32);
  for (Value* xv : x) {
    out.codes.push_back(B.CreateFPToSI(B.CreateUnaryIntrinsic(llvm::Intrinsic::rint, B.CreateFMul(xv, kb.splat(inv))), vi32));
    sum = B.CreateAdd(sum, out.codes.back());
  }
  out.sum = B.CreateAddReduce(sum);
  return out;
}

void emitQuantizeActivations(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, ir::DType aType, Value* a,
                             const ActivationCodes& act) {
  auto& B = kb.b();
  const int vw = kb.vw();  // 16 (VNNI) or 8 (AVX2)
  // The GEMV's f32 lanes per group: 4 elements each, or 8 where it folds the halves.
  const int64_t perGroup = f.group / vw, lanes = f.group / (foldsHalves(kb, f) ? 8 : 4);
  auto* vi8 = llvm::FixedVectorType::get(B.getInt8Ty(), vw);
  kb.loop(kb.i(0), kb.i(K / f.group), 1, [&](Value* g) {
    Value* base = B.CreateMul(g, kb.i(f.group));
    const GroupCodes gc = emitGroupCodes(kb, a, base, f.group, aType);
    Value* sa = gc.scale;
    // Where the 16 elements of vector v go: their chunk, then storedAt inside it.
    auto dest = [&](int64_t v) {
      Value* o = B.CreateAdd(base, kb.i(v * vw));
      Value* chunk = B.CreateMul(B.CreateSDiv(o, kb.i(kChunk)), kb.i(kChunk));
      Value* in = B.CreateSRem(o, kb.i(kChunk));
      if (f.scheme == ir::QuantScheme::Int8) return o;
      Value* pos = B.CreateAdd(B.CreateAdd(B.CreateMul(B.CreateSDiv(B.CreateSRem(in, kb.i(32)), kb.i(16)), kb.i(32)),
                                           B.CreateMul(B.CreateSDiv(in, kb.i(32)), kb.i(16))),
                               B.CreateSRem(in, kb.i(16)));  // 8-lane vectors start mid-run
      return B.CreateAdd(chunk, pos);
    };
    for (int64_t v = 0; v < perGroup; ++v)
      B.CreateAlignedStore(B.CreateTrunc(gc.codes[v], vi8), kb.gep(act.codes, dest(v), B.getInt8Ty()), llvm::Align(1));
    // The group's scale, and each of its lanes' share of the correction and min term: one
    // value per group, spread over the group's lanes where the GEMV reads them (groupLanes).
    Value* c = B.CreateSIToFP(gc.sum, kb.f32());
    Value* share = B.CreateFDiv(B.CreateFMul(sa, c), kb.f(static_cast<float>(lanes)));
    kb.storeScalar(sa, act.scale, g);
    kb.storeScalar(B.CreateFMul(share, kb.f(static_cast<float>(codeOffset(kb, f)))), act.correction, g);
    kb.storeScalar(share, act.minShare, g);
  });
}

void emitQuantizedGemvDot(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, int rows, int64_t panelStep,
                          const ActivationCodes& act, Value* qRows, Value* sums) {
  auto& B = kb.b();
  auto* v16i32 = llvm::FixedVectorType::get(B.getInt32Ty(), 16);
  const bool fold = foldsHalves(kb, f);
  const unsigned lanes = fold ? 8 : 16;  // of f32 per row and chunk
  auto* vlanes = llvm::FixedVectorType::get(kb.f32(), lanes);
  const int64_t scaleBytes = 4 * ir::groupsPerRow(f, K);  // the f32 scales (and mins) of one row
  const int64_t scalesAt = ir::codeBytes(f, K), minsAt = scalesAt + scaleBytes;
  const bool zp = f.scheme == ir::QuantScheme::Int4Zp;
  std::vector<Value*> row;
  for (int j = 0; j < rows; ++j) row.push_back(B.CreateLoad(B.getPtrTy(), kb.gep(qRows, kb.i(j), B.getPtrTy())));
  // The next panel's rows lie panelStep rows further on: prefetching each row that far ahead
  // fetches what the next panel reads.
  const int64_t ahead = panelStep * ir::quantRowBytes(f, K);
  // Without VNNI (AVX2) the codes ahead are hinted every 16 bytes, four hints a chunk (int4's
  // 32-byte chunks: each 16 bytes twice), as the bf16 dot tile's one-row GEMV does with one hint
  // per load. One hint a chunk left an AVX2-only Zen 3's int8 GEMV streaming at 80-86% of the
  // read bandwidth where the bf16 GEMV, in the same process, ran at 98-106%; with four, the 4B
  // layer's int8/g128 products ran 1.08-1.21x as fast (86-105% of the bandwidth) in four
  // alternating runs, and the whole 4B's decode in one process, alternating blocks of 8 tokens
  // with the one-hint build, 1.14x, 1.08x and (built first) 1.16x for int8/g128, 1.08x and
  // 1.01x for int4/g32; int4zp/g32 0.96-0.97x (built first), where two builds alike differed
  // by 1.04x in the second's favour: int4zp gains nothing measurable, int4 little, int8 the
  // most. Two hints (16 or 32 bytes apart) or the same hint repeated gained about half that.
  // Why repeating hints helps is not established (dropped hints re-issued is the likely
  // reading). With VNNI (one chunk = one instruction) it was not measured: one hint.
  const int64_t hintsPerChunk = kb.vnni() ? 1 : 4;
  std::vector<Value*> acc = kb.loopCarry(
      kb.i(0), kb.i(K), kChunk, std::vector<Value*>(rows, llvm::ConstantAggregateZero::get(vlanes)), [&](Value* k0, const std::vector<Value*>& in) {
        Value* a = B.CreateAlignedLoad(v16i32, kb.gep(act.codes, k0, B.getInt8Ty()), llvm::Align(1));
        Value* sa = groupLanes(kb, f, act.scale, 0, k0, lanes);
        Value* corr = groupLanes(kb, f, act.correction, 0, k0, lanes);
        Value* share = zp ? groupLanes(kb, f, act.minShare, 0, k0, lanes) : nullptr;
        Value* codeAt = f.scheme == ir::QuantScheme::Int8 ? k0 : B.CreateSDiv(k0, kb.i(2));
        auto prefetch = [&](int j, Value* at) { kb.prefetch(kb.gep(row[j], B.CreateAdd(at, kb.i(ahead)), B.getInt8Ty())); };
        // The scales (and mins) lie after the codes: fetched ahead too, or every few chunks a
        // load waits on memory (int4 at group 32: 5 of a row's 25 lines). 64 bytes of them
        // cover 16 groups, so the hints go out once per 16 groups, not every chunk: at the
        // first and the last of those 64 bytes (rows need not start on a line, so they may
        // span two lines; the last byte is clamped to the row's array).
        emitIfElse(kb, B.CreateICmpEQ(B.CreateSRem(k0, kb.i(16 * f.group)), kb.i(0)), [&] {
          Value* groupAt = B.CreateMul(B.CreateSDiv(k0, kb.i(f.group)), kb.i(4));
          Value* lastAt = kb.smin(B.CreateAdd(groupAt, kb.i(63)), kb.i(scaleBytes - 1));
          for (int j = 0; j < rows; ++j)
            for (int64_t array : zp ? std::vector<int64_t>{scalesAt, minsAt} : std::vector<int64_t>{scalesAt}) {
              prefetch(j, B.CreateAdd(kb.i(array), groupAt));
              prefetch(j, B.CreateAdd(kb.i(array), lastAt));
            }
        }, [] {});
        std::vector<Value*> out;
        for (int j = 0; j < rows; ++j) {
          for (int64_t hint = 0; hint < hintsPerChunk; ++hint) prefetch(j, B.CreateAdd(codeAt, kb.i(16 * hint)));
          Value* dot = emitChunkDot(kb, f, unsignedCodes(kb, f, row[j], k0), a, fold);
          Value* t = kb.fma(B.CreateSIToFP(dot, vlanes), sa, B.CreateFNeg(corr));
          Value* next = kb.fma(t, groupLanes(kb, f, row[j], scalesAt, k0, lanes), in[j]);
          if (zp) next = kb.fma(groupLanes(kb, f, row[j], minsAt, k0, lanes), share, next);
          out.push_back(next);
        }
        return out;
      });
  for (int j = 0; j < rows; ++j) kb.storeScalar(kb.hsum(acc[j]), sums, kb.i(j));
}

}  // namespace q3c::llvmgen
