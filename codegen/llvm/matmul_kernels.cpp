// The matmul family: matmul, matmul_add (residual epilogue), matmul_swiglu (SiLU(gate)*up
// epilogue), each with an optional RMSNorm prologue. Specialized on K, N, weight dtype and the
// vector width. Loop nest: blocks of NR weight rows outside, input rows inside, so a block of
// weights is read from memory once and reused for every token in cache; K innermost in
// vectors, NR independent accumulators.
#include <llvm/IR/Intrinsics.h>

#include <algorithm>
#include <optional>

#include "codegen/llvm/kernels.h"

namespace q3c::llvmgen {

using ir::OpKind;
using llvm::Value;

namespace {

constexpr int kRows = 4;  // weight rows per block (accumulators in flight)

struct MatMulShape {
  OpKind op;
  int64_t K, N;       // N: rows of the weight (2I for swiglu)
  int64_t rowsPerT;   // input rows per token
  ir::DType wType, gType = ir::DType::F32;
  ir::QuantFormat quant;  // when wType is q8/q4
  int64_t rowBytes = 0;   // of one weight row
  bool norm = false, normWeight = false;
  float eps = 0;
};

// Where one accumulator's weight row starts: a part's base pointer and the element index of
// the row inside it.
using RowRef = std::function<std::pair<Value*, Value*>(Value* n, int r)>;

// Writes, for every input row m, the product with weight rows n .. n+rows-1 (and, for swiglu,
// their up rows) through the epilogue; `gate`/`up` locate the rows.
void emitBlock(KernelBuilder& kb, const MatMulShape& s, Value* x, Value* out, Value* res, Value* inv, Value* M, Value* n,
               int rows, const RowRef& gate, const RowRef& up) {
  auto& B = kb.b();
  const bool swiglu = s.op == OpKind::MatMulSwiglu;
  const int64_t vw = kb.vw(), full = s.K / vw * vw, outN = swiglu ? s.N / 2 : s.N;
  std::vector<std::pair<Value*, Value*>> wRow;  // (base, element index) of each weight row used
  for (int r = 0; r < rows; ++r) wRow.push_back(gate(n, r));
  if (swiglu)
    for (int r = 0; r < rows; ++r) wRow.push_back(up(n, r));
  const size_t accs = wRow.size();
  kb.loop(kb.i(0), M, 1, [&](Value* m) {
    Value* xRow = B.CreateMul(m, kb.i(s.K));
    std::vector<Value*> sums(accs, kb.f(0.0f));
    if (full > 0) {
      std::vector<Value*> init(accs, kb.zeroVec());
      std::vector<Value*> acc = kb.loopCarry(kb.i(0), kb.i(full), vw, init, [&](Value* k, const std::vector<Value*>& c) {
        Value* xv = kb.loadVector(x, B.CreateAdd(xRow, k), ir::DType::F32);
        std::vector<Value*> next;
        for (size_t r = 0; r < accs; ++r)
          next.push_back(kb.fma(xv, kb.loadVector(wRow[r].first, B.CreateAdd(wRow[r].second, k), s.wType), c[r]));
        return next;
      });
      for (size_t r = 0; r < accs; ++r) sums[r] = kb.hsum(acc[r]);
    }
    if (full < s.K)
      sums = kb.loopCarry(kb.i(full), kb.i(s.K), 1, sums, [&](Value* k, const std::vector<Value*>& c) {
        Value* xs = kb.loadScalar(x, B.CreateAdd(xRow, k), ir::DType::F32);
        std::vector<Value*> next;
        for (size_t r = 0; r < accs; ++r)
          next.push_back(kb.fma(xs, kb.loadScalar(wRow[r].first, B.CreateAdd(wRow[r].second, k), s.wType), c[r]));
        return next;
      });
    Value* rowScale = inv ? kb.loadScalar(inv, m, ir::DType::F32) : nullptr;
    for (int r = 0; r < rows; ++r) {
      Value* at = B.CreateAdd(B.CreateMul(m, kb.i(outN)), B.CreateAdd(n, kb.i(r)));
      Value* v = rowScale ? B.CreateFMul(sums[r], rowScale) : sums[r];
      if (s.op == OpKind::MatMulAdd) v = B.CreateFAdd(v, kb.loadScalar(res, at, ir::DType::F32));
      if (swiglu) {
        Value* upSum = rowScale ? B.CreateFMul(sums[rows + r], rowScale) : sums[rows + r];
        Value* silu = B.CreateFDiv(v, B.CreateFAdd(kb.f(1.0f), kb.expf(B.CreateFNeg(v))));
        v = B.CreateFMul(silu, upSum);
      }
      kb.storeScalar(v, out, at);
    }
  });
}

// Output columns [a, b) in blocks of kRows (then one by one), each row read from its part.
void emitRange(KernelBuilder& kb, const MatMulShape& s, Value* x, Value* out, Value* res, Value* inv, Value* M, Value* a,
               Value* b, const RowRef& gate, const RowRef& up) {
  auto& B = kb.b();
  b = B.CreateBinaryIntrinsic(llvm::Intrinsic::smax, a, b);
  Value* full = B.CreateAdd(a, B.CreateMul(B.CreateSDiv(B.CreateSub(b, a), kb.i(kRows)), kb.i(kRows)));
  kb.loop(a, full, kRows, [&](Value* n) { emitBlock(kb, s, x, out, res, inv, M, n, kRows, gate, up); });
  kb.loop(full, b, 1, [&](Value* n) { emitBlock(kb, s, x, out, res, inv, M, n, 1, gate, up); });
}

// out[row, n + j] = SiLU(g) * u for rows [mb, mEnd) and j < nOut, where g and u (times the
// row's norm scale `inv`, if any) are a panel's gate and up sums: sums[(row - mb) * ld + j] and
// [... + nOut + j]. Vectors of 16 columns under a mask (a panel holds fewer than 32).
void emitSwigluPanel(KernelBuilder& kb, Value* sums, int64_t ld, Value* inv, Value* out, int64_t cols, Value* mb,
                     Value* mEnd, Value* n, Value* nOut) {
  auto& B = kb.b();
  const int vw = kb.vw();
  std::vector<llvm::Constant*> iota;
  for (int l = 0; l < vw; ++l) iota.push_back(B.getInt64(l));
  Value* lanes = llvm::ConstantVector::get(iota);
  kb.loop(mb, mEnd, 1, [&](Value* row) {
    Value* scale = kb.splat(inv ? kb.loadScalar(inv, row, ir::DType::F32) : kb.f(1.0f));
    Value* base = B.CreateMul(B.CreateSub(row, mb), kb.i(ld));
    kb.loop(kb.i(0), nOut, vw, [&](Value* j) {
      Value* mask = B.CreateICmpSLT(B.CreateAdd(B.CreateVectorSplat(vw, j), lanes), B.CreateVectorSplat(vw, nOut));
      auto load = [&](Value* at) {
        return B.CreateMaskedLoad(kb.vf32(), kb.gep(sums, at), llvm::Align(4), mask, kb.zeroVec());
      };
      Value* g = B.CreateFMul(load(B.CreateAdd(base, j)), scale);
      Value* u = B.CreateFMul(load(B.CreateAdd(base, B.CreateAdd(nOut, j))), scale);
      Value* silu = B.CreateFDiv(g, B.CreateFAdd(kb.splat(kb.f(1.0f)), kb.expVec(B.CreateFNeg(g))));
      Value* at = B.CreateAdd(B.CreateMul(row, kb.i(cols)), B.CreateAdd(n, j));
      B.CreateMaskedStore(B.CreateFMul(silu, u), kb.gep(out, at), llvm::Align(4), mask);
    });
  });
}

// The product on the Xbyak dot tiles. Per part (its panels of output columns), for each block
// of mBlock input rows: for each panel, the nr weight row pointers (gate rows then their up
// rows for swiglu) are gathered once, the block's sums computed chunk by chunk of K, then the
// epilogue writes the block's outputs. SwiGLU parks the gate sums in `out` and the up sums in
// `up` and applies SiLU·mul once per block, vectorized along the part's columns (per panel
// there would be 3 columns to vectorize over). See codegen/xbyak/tiling.h for the block sizes.
// With `packed` (see packed_panels.cpp) the products run on packed panels, under
// t = packedPanelTiling, and SwiGLU applies SiLU·mul per panel (24 columns, AMX 32).
// With `spread` (decode's GEMV where GemvPanels::spread) a panel's rows lie `spacing` apart
// across the part instead of side by side, so that each of them streams on its own; SwiGLU's
// gate and up rows already do.
void emitTiled(KernelBuilder& kb, const MatMulShape& s, const xbyak::GemmTiling& t, xbyak::Isa isa, ir::DType aType, bool int8Decode,
               const std::vector<WeightSegment>& segs, Value* table, Value* A, Value* out, Value* res, Value* inv,
               Value* M, Value* up, Value* codeArea, const PackedPanels& packed = {}, bool spread = false) {
  auto& B = kb.b();
  const bool swiglu = s.op == OpKind::MatMulSwiglu;
  const int64_t cols = swiglu ? s.N / 2 : s.N, panel = swiglu ? t.nr / 2 : t.nr;
  const bool spreadRows = spread && !swiglu && panel > 1 && packed.kind == PackedPanels::None;
  Value* rowPtrs = kb.stackArray(t.nr, B.getPtrTy());
  const bool quantized = ir::isQuantized(s.wType);
  // Quantized: the rows' own pointers go here, rowPtrs to their dequantized chunk.
  Value* qRows = quantized ? kb.stackArray(t.nr, B.getPtrTy()) : rowPtrs;
  Value* sums = kb.stackArray(t.mBlock * t.nr);
  const TileScratch scratch = packed.kind == PackedPanels::None ? tileScratch(kb, t, isa) : TileScratch{};
  auto [lo, hi] = kb.partRange(cols, panel);
  const std::optional<ActivationCodes> act =
      packed.kind != PackedPanels::None ? std::nullopt : intDotCodes(kb, s.wType, s.quant, s.K, int8Decode, codeArea);
  Value* spacing = spreadRows ? kb.ceilDiv(B.CreateSub(hi, lo), kb.i(panel)) : kb.i(1);
  // Output column of row r of the panel at n.
  auto column = [&](Value* n, Value* r) { return B.CreateAdd(n, B.CreateMul(r, spacing)); };
  emitMBlocks(kb, t, M, [&](Value* mb, Value* mEnd) {
    if (act) emitOneRowActivationCodes(kb, s.quant, s.K, aType, A, M, mb, mEnd, *act);
    kb.loop(lo, spreadRows ? B.CreateAdd(lo, spacing) : hi, spreadRows ? 1 : panel, [&](Value* n) {
      // The panel's rows that lie in the part (spread: those with n + r·spacing < hi).
      Value* left = B.CreateSub(hi, n);
      Value* nOut = kb.smin(kb.i(panel), spreadRows ? kb.ceilDiv(left, spacing) : left);
      kb.loop(kb.i(0), nOut, 1, [&](Value* r) {
        Value* row = column(n, r);
        B.CreateStore(emitRowPointer(kb, segs, row, s.rowBytes), kb.gep(qRows, r, B.getPtrTy()));
        if (swiglu)
          B.CreateStore(emitRowPointer(kb, segs, B.CreateAdd(row, kb.i(cols)), s.rowBytes),
                        kb.gep(qRows, B.CreateAdd(nOut, r), B.getPtrTy()));
      });
      Value* nr = swiglu ? B.CreateMul(nOut, kb.i(2)) : nOut;
      if (packed.kind != PackedPanels::None) {
        emitPackedPanelProducts(kb, packed, s.quant, s.K, A, mb, mEnd, nr, qRows, sums);
      } else if (quantized) {
        emitQuantizedProducts(kb, s.quant, s.K, t, aType, table, scratch, A, mb, mEnd, nr, qRows, rowPtrs, sums,
                              act ? &*act : nullptr, spreadRows ? 1 : panel);
      } else {
        emitPanelProducts(kb, t, aType, s.wType, s.K, table, scratch, A, mb, mEnd, nr, rowPtrs, sums);
      }
      if (swiglu && packed.kind != PackedPanels::None) {  // 24 (AMX 32) columns a panel: SiLU·mul here, 16 lanes at a time
        emitSwigluPanel(kb, sums, t.nr, inv, out, cols, mb, mEnd, n, nOut);
        return;
      }
      kb.loop(mb, mEnd, 1, [&](Value* row) {
        Value* scale = inv ? kb.loadScalar(inv, row, ir::DType::F32) : nullptr;
        Value* base = B.CreateMul(B.CreateSub(row, mb), kb.i(t.nr));
        kb.loop(kb.i(0), nOut, 1, [&](Value* j) {
          Value* at = B.CreateAdd(B.CreateMul(row, kb.i(cols)), column(n, j));
          Value* v = kb.loadScalar(sums, B.CreateAdd(base, j), ir::DType::F32);
          if (scale) v = B.CreateFMul(v, scale);
          if (s.op == OpKind::MatMulAdd) v = B.CreateFAdd(v, kb.loadScalar(res, at, ir::DType::F32));
          if (swiglu) {
            Value* u = kb.loadScalar(sums, B.CreateAdd(base, B.CreateAdd(nOut, j)), ir::DType::F32);
            kb.storeScalar(scale ? B.CreateFMul(u, scale) : u, up, at);
          }
          kb.storeScalar(v, out, at);
        });
      });
    });
    if (!swiglu || packed.kind != PackedPanels::None) return;
    // out = SiLU(gate) * up over the block's rows and this part's columns.
    const int64_t vw = kb.vw();
    auto silu = [&](Value* g, Value* u) {
      Value* one = g->getType()->isVectorTy() ? kb.splat(kb.f(1.0f)) : kb.f(1.0f);
      return B.CreateFMul(B.CreateFDiv(g, B.CreateFAdd(one, kb.expVec(B.CreateFNeg(g)))), u);
    };
    Value* vecEnd = B.CreateAdd(lo, B.CreateMul(B.CreateSDiv(B.CreateSub(hi, lo), kb.i(vw)), kb.i(vw)));
    kb.loop(mb, mEnd, 1, [&](Value* row) {
      Value* base = B.CreateMul(row, kb.i(cols));
      kb.loop(lo, vecEnd, vw, [&](Value* c) {
        Value* at = B.CreateAdd(base, c);
        kb.storeVector(silu(kb.loadVector(out, at, ir::DType::F32), kb.loadVector(up, at, ir::DType::F32)), out, at);
      });
      kb.loop(vecEnd, hi, 1, [&](Value* c) {
        Value* at = B.CreateAdd(base, c);
        kb.storeScalar(silu(kb.loadScalar(out, at, ir::DType::F32), kb.loadScalar(up, at, ir::DType::F32)), out, at);
      });
    });
  });
}

// The pointers every matmul kernel starts with: x, out, [residual], [norm weight], this thread's
// scratch; `next` is the index of the first weight part.
struct MatMulPtrs {
  Value *x, *out, *res, *g, *scratch;
  int next;
};
MatMulPtrs unpackPtrs(KernelBuilder& kb, const MatMulShape& s, bool hasRes, int64_t scratchPerToken, int64_t scratchPerThread = 0) {
  MatMulPtrs p{};
  int a = 0;
  p.x = kb.ptr(a++);
  p.out = kb.ptr(a++);
  p.res = hasRes ? kb.ptr(a++) : nullptr;
  p.g = s.normWeight ? kb.ptr(a++) : nullptr;
  p.scratch = kb.threadScratch(kb.ptr(a++), scratchPerToken, scratchPerThread);
  p.next = a;
  return p;
}

}  // namespace

KernelPlan planMatMul(const ir::Graph& g, const ir::Node& n, const ConstantTable& constants, const TileOptions& tiles) {
  const ir::TensorType& xt = g.value(n.operands[0]).type;
  const ir::TensorType& wt = g.value(n.operands[1]).type;
  MatMulShape s;
  s.op = n.op;
  s.K = wt.shape[1].value;
  s.N = wt.shape[0].value;
  s.rowsPerT = rowsPerToken(xt);
  s.wType = dtypeOf(g, constants, n.operands[1]);
  s.quant = constants.at(n.operands[1]).quant;
  s.rowBytes = constants.rowBytes(n.operands[1]);
  s.norm = n.hasAttr("norm_eps");
  s.normWeight = static_cast<int>(n.operands.size()) == ir::opInfo(n.op).numOperands + 1;
  if (s.norm) s.eps = static_cast<float>(n.attrFloat("norm_eps"));
  if (s.normWeight) s.gType = dtypeOf(g, constants, n.operands.back());

  KernelPlan p;
  p.name = std::string(ir::opInfo(n.op).name) + "_" + ir::dtypeName(s.wType) + "_" + std::to_string(s.K) + "x" +
           std::to_string(s.N);
  p.key = attrsKey(n) + " K=" + std::to_string(s.K) + " N=" + std::to_string(s.N) + " rows=" + std::to_string(s.rowsPerT) +
          " w=" + ir::dtypeName(s.wType) + " g=" + (s.normWeight ? ir::dtypeName(s.gType) : "none");
  if (ir::isQuantized(s.wType)) {
    p.name += "_" + std::string(ir::quantSchemeName(s.quant.scheme)) + "g" + std::to_string(s.quant.group);
    p.key += " quant=" + ir::quantFormatName(s.quant);
  }
  // ptrs: x, out, [residual], [norm weight], scratch, then one per weight part
  p.args = {{ArgRef::Value, n.operands[0]}, {ArgRef::Value, n.result}};
  if (n.op == OpKind::MatMulAdd) p.args.push_back({ArgRef::Value, n.operands[2]});
  if (s.normWeight) p.args.push_back({ArgRef::Value, n.operands.back()});
  p.args.push_back({ArgRef::Scratch});
  std::vector<WeightSegment> segs = weightSegments(constants, n.operands[1], p.args);
  for (const WeightSegment& seg : segs) p.key += " part=" + std::to_string(seg.rows);
  // Scratch: the row scales, and the input rows times the norm weight.
  p.scratchFloatsPerToken = s.norm ? s.rowsPerT * (1 + (s.normWeight ? s.K : 0)) : 0;
  p.splits = true;  // parts take disjoint output columns
  p.decodePartsPerThread = decodePartsPerThreadFor(tiles, s.wType);
  if (useTiles(tiles, s.wType)) {
    const xbyak::GemmTiling t = tilingFor(tiles, s.K, s.wType);
    const ir::DType aType = tiles.activations;
    const bool bf16 = aType == ir::DType::BF16;
    p.tiles = TileRequest{aType, panelType(tiles, s.wType)};
    if (ir::isQuantized(s.wType) && t.kFull != s.K)
      throw Error("%" + g.value(n.result).name + ": K = " + std::to_string(s.K) + " is not a whole number of dot steps");
    p.args.push_back({ArgRef::Tiles});
    p.key += tilingKey(t, aType);
    const bool int8Decode = tiles.integerDots && ir::isQuantized(s.wType);
    if (int8Decode) p.key += "_i8decode";
    // Decode's GEMV panels (one row: the int8 dot) may take fewer weight rows than the tiles.
    const GemvPanels gemv = intDotGemvPanels(tiles, s.wType, s.quant, s.K, t);
    p.key += gemv.keySuffix;
    // Prefill (more than one row) on packed panels where they apply.
    const PackedPanels::Kind packedKind = packedPanelsFor(tiles, s.wType, s.quant, s.K);
    requestPackedTiles(p, packedKind, s.quant);
    // Scratch: the row scales; f32: x*g when weighted; bf16: the rounded rows (2 per float);
    // swiglu: the up sums; int8 and int16 packed panels: the activation records.
    const int64_t inputFloats = bf16 ? (s.K + 1) / 2 : (s.normWeight ? s.K : 0);
    const int64_t upFloats = n.op == OpKind::MatMulSwiglu ? s.N / 2 : 0;
    const int64_t recordFloats = activationRecordBytes(packedKind, s.quant, s.K) / 4;
    p.scratchFloatsPerToken = s.rowsPerT * ((s.norm ? 1 : 0) + inputFloats + upFloats + recordFloats);
    // Per thread: the input row's int8 codes for decode's int8 dot (emitOneRowActivationCodes).
    p.scratchFloatsPerThread = activationCodeFloats(s.wType, s.quant, s.K, int8Decode);
    const int64_t scratchPerToken = p.scratchFloatsPerToken, scratchPerThread = p.scratchFloatsPerThread;
    p.emit = [s, segs, t, gemv, aType, int8Decode, bf16, scratchPerToken, scratchPerThread, inputFloats, upFloats, recordFloats,
              packedKind, isa = tiles.isa, hasRes = n.op == OpKind::MatMulAdd](KernelBuilder& kb) {
      auto& B = kb.b();
      auto [x, out, res, g, scratch, next] = unpackPtrs(kb, s, hasRes, scratchPerToken, scratchPerThread);
      Value* codeArea = kb.perThreadFloats(scratch, scratchPerToken);
      Value* table = kb.ptr(static_cast<int>(segs.size()) + next);
      Value* M = B.CreateMul(kb.T(), kb.i(s.rowsPerT));
      Value* inv = s.norm ? scratch : nullptr;
      Value* rest = s.norm ? kb.gep(scratch, M) : scratch;
      Value* up = upFloats ? kb.gep(rest, B.CreateMul(M, kb.i(inputFloats))) : nullptr;
      // The row scales and the staged (or bf16-rounded) rows, once per thread (KernelBuilder).
      kb.oncePerThread([&] {
        if (s.norm) emitNormPrologue(kb, x, M, s.K, s.eps, inv, bf16 ? nullptr : g, s.gType, bf16 || !g ? nullptr : rest);
        if (bf16) emitBf16Rows(kb, x, M, s.K, g, s.gType, rest);
      });
      if (bf16 || (s.norm && g)) x = rest;
      // The products on the file's rows: one row on decode's GEMV panels, more on the tiles'.
      auto tiled = [&] {
        auto on = [&](const xbyak::GemmTiling& tiling, bool spreadRows) {
          emitTiled(kb, s, tiling, isa, aType, int8Decode, segs, table, x, out, res, inv, M, up, codeArea, {}, spreadRows);
        };
        if (gemv.tiling.nr == t.nr && !gemv.spread) return on(t, false);
        emitIfElse(kb, B.CreateICmpEQ(M, kb.i(1)), [&] { on(gemv.tiling, gemv.spread); }, [&] { on(t, false); });
      };
      if (packedKind == PackedPanels::None) {
        tiled();
        return kb.finish();
      }
      // Decode (one row) keeps the GEMV on the file's rows, and short bf16 blocks the dot tiles;
      // more rows take the packed panels.
      PackedPanels packed{packedKind, kb.ptr(static_cast<int>(segs.size()) + next + 1)};
      if (recordFloats) packed.records = kb.gep(rest, B.CreateMul(M, kb.i(inputFloats + upFloats)));
      emitIfElse(kb, B.CreateICmpSLT(M, kb.i(packedPanelsMinRows(packedKind))), tiled,
                 [&] {
                   if (packed.records) emitActivationRecords(kb, packedKind, s.quant, s.K, aType, x, M, packed.records);
                   emitTiled(kb, s, packedPanelTiling(packedKind, s.K), isa, aType, int8Decode, segs, table, x, out, res, inv, M, up, codeArea,
                             packed);
                 });
      kb.finish();
    };
    return p;
  }
  if (ir::isQuantized(s.wType)) throw quantizedNeedsJit(g, n);
  const int64_t scratchPerToken = p.scratchFloatsPerToken;
  p.emit = [s, segs, scratchPerToken, hasRes = n.op == OpKind::MatMulAdd](KernelBuilder& kb) {
    auto& B = kb.b();
    auto [x, out, res, g, scratch, next] = unpackPtrs(kb, s, hasRes, scratchPerToken);
    Value* M = B.CreateMul(kb.T(), kb.i(s.rowsPerT));
    Value* inv = nullptr;
    if (s.norm) {  // prologue: one reciprocal RMS per row; with a weight, x*g staged in scratch
      inv = scratch;
      Value* staged = g ? kb.gep(scratch, M) : nullptr;
      kb.oncePerThread([&] { emitNormPrologue(kb, x, M, s.K, s.eps, inv, g, s.gType, staged); });
      if (staged) x = staged;
    }
    std::vector<Value*> base;
    for (const WeightSegment& seg : segs) base.push_back(kb.ptr(seg.arg));
    // Row `row` of the weight, known to lie in segment `seg`, as (base, element index).
    auto rowIn = [&](size_t seg, Value* row) {
      return std::make_pair(base[seg], B.CreateMul(B.CreateSub(row, kb.i(segs[seg].start)), kb.i(s.K)));
    };
    // Cut the output columns where a gate row or an up row crosses into another part.
    const int64_t cols = s.op == OpKind::MatMulSwiglu ? s.N / 2 : s.N, upOffset = cols;
    std::vector<int64_t> cuts = {0, cols};
    for (const WeightSegment& seg : segs) {
      if (seg.start > 0 && seg.start < cols) cuts.push_back(seg.start);
      if (s.op == OpKind::MatMulSwiglu && seg.start > upOffset && seg.start < s.N) cuts.push_back(seg.start - upOffset);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    auto [lo, hi] = kb.partRange(cols, kRows);  // this thread's output columns
    for (size_t c = 0; c + 1 < cuts.size(); ++c) {
      const size_t gateSeg = &segmentOf(segs, cuts[c]) - segs.data();
      const size_t upSeg = s.op == OpKind::MatMulSwiglu ? &segmentOf(segs, cuts[c] + upOffset) - segs.data() : 0;
      RowRef gate = [&, gateSeg](Value* n, int r) { return rowIn(gateSeg, B.CreateAdd(n, kb.i(r))); };
      RowRef up = [&, upSeg](Value* n, int r) { return rowIn(upSeg, B.CreateAdd(n, kb.i(r + upOffset))); };
      Value* a = B.CreateBinaryIntrinsic(llvm::Intrinsic::smax, kb.i(cuts[c]), lo);
      Value* b = kb.smin(kb.i(cuts[c + 1]), hi);
      emitRange(kb, s, x, out, res, inv, M, a, b, gate, up);
    }
    kb.finish();
  };
  return p;
}

}  // namespace q3c::llvmgen
