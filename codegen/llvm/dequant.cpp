// Quantized weight rows (ir/quant.h) widened in generated code: the embedding gather reads
// them row by row, and the jit's products dequantize a panel of rows chunk by chunk into the
// layout of the dot tiles (bf16 or f32), where it stays in L1 while the tiles read it.
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
