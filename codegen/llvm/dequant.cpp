// Quantized weight rows (ir/quant.h) widened in generated code: the embedding gather reads
// them row by row, and the jit's products dequantize a panel of rows chunk by chunk into the
// layout of the dot tiles (bf16 or f32), where it stays in L1 while the tiles read it.
#include <llvm/IR/Intrinsics.h>

#include <algorithm>

#include "codegen/llvm/kernels.h"

namespace q3c::llvmgen {

using llvm::Value;

void emitDequantRange(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, Value* row, Value* k0, Value* k1,
                      Value* dst, Value* dstIndex, ir::DType dstType) {
  auto& B = kb.b();
  const int vw = kb.vw();
  auto* i8 = B.getInt8Ty();
  auto* i32 = B.getInt32Ty();
  auto* vi8 = llvm::FixedVectorType::get(i8, vw);
  auto* vi32 = llvm::FixedVectorType::get(i32, vw);
  const int64_t scalesAt = ir::codeBytes(f, K), minsAt = scalesAt + 4 * ir::groupsPerRow(f, K);
  kb.loop(k0, k1, vw, [&](Value* k) {
    Value* group = B.CreateSDiv(k, kb.i(f.group));
    Value* scale = kb.loadScalar(kb.gep(row, kb.i(scalesAt), i8), group, ir::DType::F32);
    Value* q;  // the codes as i32 lanes
    if (f.scheme == ir::QuantScheme::Int8) {
      q = B.CreateSExt(B.CreateAlignedLoad(vi8, kb.gep(row, k, i8), llvm::Align(1)), vi32);
    } else {  // byte (k / 32) * 16 + k % 16; high nibbles for the second half of a block
      Value* byte = B.CreateAdd(B.CreateMul(B.CreateSDiv(k, kb.i(32)), kb.i(16)), B.CreateSRem(k, kb.i(16)));
      Value* bytes = B.CreateZExt(B.CreateAlignedLoad(vi8, kb.gep(row, byte, i8), llvm::Align(1)), vi32);
      Value* shift = B.CreateTrunc(B.CreateMul(B.CreateSDiv(B.CreateSRem(k, kb.i(32)), kb.i(16)), kb.i(4)), i32);
      q = B.CreateAnd(B.CreateLShr(bytes, B.CreateVectorSplat(vw, shift)), B.CreateVectorSplat(vw, B.getInt32(15)));
      if (f.scheme == ir::QuantScheme::Int4) q = B.CreateSub(q, B.CreateVectorSplat(vw, B.getInt32(8)));
    }
    Value* v = B.CreateSIToFP(q, kb.vf32());
    if (f.scheme == ir::QuantScheme::Int4Zp)
      v = kb.fma(kb.splat(scale), v, kb.splat(kb.loadScalar(kb.gep(row, kb.i(minsAt), i8), group, ir::DType::F32)));
    else
      v = B.CreateFMul(v, kb.splat(scale));
    Value* at = B.CreateAdd(dstIndex, B.CreateSub(k, k0));
    if (dstType == ir::DType::F32) {
      kb.storeVector(v, dst, at);
      return;
    }
    // bf16, rounded to nearest even (the values are finite).
    Value* bits = B.CreateBitCast(v, vi32);
    Value* lsb = B.CreateAnd(B.CreateLShr(bits, B.CreateVectorSplat(vw, B.getInt32(16))), B.CreateVectorSplat(vw, B.getInt32(1)));
    Value* rounded = B.CreateLShr(B.CreateAdd(bits, B.CreateAdd(lsb, B.CreateVectorSplat(vw, B.getInt32(0x7FFF)))),
                                  B.CreateVectorSplat(vw, B.getInt32(16)));
    auto* vi16 = llvm::FixedVectorType::get(B.getInt16Ty(), vw);
    B.CreateAlignedStore(B.CreateTrunc(rounded, vi16), kb.gep(dst, at, B.getInt16Ty()), llvm::Align(2));
  });
}

PanelPrepare quantizedPanel(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, ir::DType panelType,
                            const xbyak::GemmTiling& t, Value* qRows, Value* rowPtrs, Value* nr) {
  const int64_t elt = ir::dtypeSize(panelType);
  Value* panel = kb.stackArray(t.nr * t.kChunk * elt / 4 + 16);
  return [&kb, f, K, panelType, t, elt, qRows, rowPtrs, nr, panel](Value* k0, Value* k1) {
    auto& B = kb.b();
    kb.loop(kb.i(0), nr, 1, [&](Value* j) {
      Value* src = B.CreateLoad(B.getPtrTy(), kb.gep(qRows, j, B.getPtrTy()));
      Value* dstIndex = B.CreateMul(j, kb.i(t.kChunk));  // elements of panelType
      emitDequantRange(kb, f, K, src, k0, k1, panel, dstIndex, panelType);
      // The tile reads W_j[k] for k in [k0, k1): point row j at its chunk, k0 elements before.
      Value* base = kb.gep(panel, B.CreateMul(B.CreateSub(dstIndex, k0), kb.i(elt)), B.getInt8Ty());
      B.CreateStore(base, kb.gep(rowPtrs, j, B.getPtrTy()));
    });
  };
}

}  // namespace q3c::llvmgen

namespace q3c::llvmgen {

namespace {

constexpr int64_t kPrefetchBytes = 4096;

// Codes of elements [k, k + vw) of a quantized row as f32 lanes (int4: minus 8 when symmetric).
Value* codesAt(KernelBuilder& kb, const ir::QuantFormat& f, Value* row, Value* k, int64_t kConst) {
  auto& B = kb.b();
  const int vw = kb.vw();
  auto* vi8 = llvm::FixedVectorType::get(B.getInt8Ty(), vw);
  auto* vi32 = llvm::FixedVectorType::get(B.getInt32Ty(), vw);
  Value* q;
  if (f.scheme == ir::QuantScheme::Int8) {
    q = B.CreateSExt(B.CreateAlignedLoad(vi8, kb.gep(row, B.CreateAdd(k, kb.i(kConst)), B.getInt8Ty()), llvm::Align(1)), vi32);
  } else {  // k is a multiple of 32 here, kConst < group: the block and nibble are known
    const int64_t block = kConst / 32, inBlock = kConst % 32;
    Value* byte = B.CreateAdd(B.CreateSDiv(k, kb.i(2)), kb.i(block * 16 + inBlock % 16));
    Value* bytes = B.CreateZExt(B.CreateAlignedLoad(vi8, kb.gep(row, byte, B.getInt8Ty()), llvm::Align(1)), vi32);
    if (inBlock >= 16) bytes = B.CreateLShr(bytes, B.CreateVectorSplat(vw, B.getInt32(4)));
    q = B.CreateAnd(bytes, B.CreateVectorSplat(vw, B.getInt32(15)));
    if (f.scheme == ir::QuantScheme::Int4) q = B.CreateSub(q, B.CreateVectorSplat(vw, B.getInt32(8)));
  }
  return B.CreateSIToFP(q, kb.vf32());
}

}  // namespace

void emitQuantizedGemv(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, int rows, ir::DType aType, Value* a,
                       Value* qRows, Value* sums) {
  auto& B = kb.b();
  const int vw = kb.vw();
  const int64_t perGroup = f.group / vw;  // vectors per group
  const int64_t scalesAt = ir::codeBytes(f, K), minsAt = scalesAt + 4 * ir::groupsPerRow(f, K);
  std::vector<Value*> row;
  for (int j = 0; j < rows; ++j) row.push_back(B.CreateLoad(B.getPtrTy(), kb.gep(qRows, kb.i(j), B.getPtrTy())));
  std::vector<Value*> acc = kb.loopCarry(
      kb.i(0), kb.i(ir::groupsPerRow(f, K)), 1, std::vector<Value*>(rows, kb.zeroVec()),
      [&](Value* g, const std::vector<Value*>& in) {
        Value* base = B.CreateMul(g, kb.i(f.group));
        std::vector<Value*> x;
        Value* xsum = nullptr;  // the group's activations summed lane-wise, for the zero point
        for (int64_t v = 0; v < perGroup; ++v) {
          x.push_back(kb.loadVector(a, B.CreateAdd(base, kb.i(v * vw)), aType));
          if (f.scheme == ir::QuantScheme::Int4Zp) xsum = xsum ? B.CreateFAdd(xsum, x.back()) : x.back();
        }
        // Prefetch each row's codes kPrefetchBytes ahead: six or more rows stream at once, more
        // than the hardware prefetchers follow well (the bf16 one-row tiles do the same).
        const int64_t codeBytesPerGroup = f.scheme == ir::QuantScheme::Int8 ? f.group : f.group / 2;
        Value* codeAt = f.scheme == ir::QuantScheme::Int8 ? base : B.CreateSDiv(base, kb.i(2));
        for (int j = 0; j < rows; ++j)
          for (int64_t line = 0; line < std::max<int64_t>(codeBytesPerGroup / 64, 1); ++line)
            kb.prefetch(kb.gep(row[j], B.CreateAdd(codeAt, kb.i(kPrefetchBytes + 64 * line)), B.getInt8Ty()));
        // The codes are addressed from the group's first element (int8: bytes; int4: k / 2).
        std::vector<Value*> out;
        for (int j = 0; j < rows; ++j) {
          Value* dot = kb.zeroVec();
          for (int64_t v = 0; v < perGroup; ++v) dot = kb.fma(x[v], codesAt(kb, f, row[j], base, v * vw), dot);
          Value* scale = kb.loadScalar(kb.gep(row[j], kb.i(scalesAt), B.getInt8Ty()), g, ir::DType::F32);
          Value* next = kb.fma(dot, kb.splat(scale), in[j]);
          if (xsum) {
            Value* mn = kb.loadScalar(kb.gep(row[j], kb.i(minsAt), B.getInt8Ty()), g, ir::DType::F32);
            next = kb.fma(xsum, kb.splat(mn), next);
          }
          out.push_back(next);
        }
        return out;
      });
  for (int j = 0; j < rows; ++j) kb.storeScalar(kb.hsum(acc[j]), sums, kb.i(j));
}

}  // namespace q3c::llvmgen

namespace q3c::llvmgen {

void emitQuantizedProducts(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, const xbyak::GemmTiling& t,
                           ir::DType aType, Value* table, const TileScratch& scratch, Value* A, Value* mb, Value* mEnd,
                           Value* nr, Value* qRows, Value* rowPtrs, Value* sums, const ActivationCodes* act,
                           int64_t panelStep) {
  auto& B = kb.b();
  emitIfElse(
      kb, B.CreateICmpEQ(B.CreateSub(mEnd, mb), kb.i(1)),
      [&] {
        // A short panel repeats its first row, so the unrolled GEMV always has t.nr valid rows.
        kb.loop(nr, kb.i(t.nr), 1, [&](Value* j) {
          B.CreateStore(B.CreateLoad(B.getPtrTy(), qRows), kb.gep(qRows, j, B.getPtrTy()));
        });
        if (act) return emitQuantizedGemvDot(kb, f, K, t.nr, panelStep ? panelStep : t.nr, *act, qRows, sums);
        Value* row = kb.gep(A, B.CreateMul(mb, kb.i(K * ir::dtypeSize(aType))), B.getInt8Ty());
        emitQuantizedGemv(kb, f, K, t.nr, aType, row, qRows, sums);
      },
      [&] {
        const PanelPrepare prepare = quantizedPanel(kb, f, K, aType, t, qRows, rowPtrs, nr);
        emitPanelProducts(kb, t, aType, aType, K, table, scratch, A, mb, mEnd, nr, rowPtrs, sums, 0, prepare);
      });
}

}  // namespace q3c::llvmgen
