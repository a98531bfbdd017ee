// Generated kernels calling the Xbyak dot tiles: the tiling choice, the bf16 rounding of the
// activations, weight row addressing across parts, and the call with its K tail.
#include <llvm/IR/Intrinsics.h>

#include "codegen/llvm/kernels.h"
#include "codegen/xbyak/dot_tile.h"

namespace q3c::llvmgen {

using llvm::Value;

bool useTiles(const TileOptions& opt, ir::DType w) { return opt.enabled && xbyak::dotTileSupports(opt.activations, w); }

xbyak::GemmTiling tilingFor(const TileOptions& opt, int64_t K, ir::DType w) {
  return xbyak::planGemmTiling(opt.isa, opt.activations, w, K);
}

std::string tilingKey(const xbyak::GemmTiling& t, ir::DType a) {
  return " tiles=" + std::to_string(t.mr) + "x" + std::to_string(t.nr) + "/" + std::to_string(t.kFull) + "/m" +
         std::to_string(t.mBlock) + " a=" + ir::dtypeName(a);
}

void emitBf16Rows(KernelBuilder& kb, Value* x, Value* M, int64_t K, Value* g, ir::DType gType, Value* dst) {
  auto& B = kb.b();
  auto* i32 = B.getInt32Ty();
  kb.loop(kb.i(0), B.CreateMul(M, kb.i(K)), 1, [&](Value* at) {
    Value* v = kb.loadScalar(x, at, ir::DType::F32);
    if (g) v = B.CreateFMul(v, kb.loadScalar(g, B.CreateSRem(at, kb.i(K)), gType));
    // Round to nearest even: add 0x7FFF plus the lowest kept bit, keep the high half.
    Value* bits = B.CreateBitCast(v, i32);
    Value* lsb = B.CreateAnd(B.CreateLShr(bits, 16), B.getInt32(1));
    Value* rounded = B.CreateLShr(B.CreateAdd(bits, B.CreateAdd(lsb, B.getInt32(0x7FFF))), 16);
    B.CreateAlignedStore(B.CreateTrunc(rounded, B.getInt16Ty()), kb.gep(dst, at, B.getInt16Ty()), llvm::Align(2));
  });
}

Value* emitRowPointer(KernelBuilder& kb, const std::vector<WeightSegment>& segs, Value* row, int64_t K, ir::DType w) {
  auto& B = kb.b();
  const int64_t rowBytes = K * ir::dtypeSize(w);
  Value* p = nullptr;
  for (const WeightSegment& s : segs) {  // the last segment that starts at or before `row`
    Value* at = kb.gep(kb.ptr(s.arg), B.CreateMul(B.CreateSub(row, kb.i(s.start)), kb.i(rowBytes)), B.getInt8Ty());
    p = p ? B.CreateSelect(B.CreateICmpSGE(row, kb.i(s.start)), at, p) : at;
  }
  return p;
}

void emitTileCall(KernelBuilder& kb, const xbyak::GemmTiling& t, ir::DType a, ir::DType w, int64_t K, Value* table,
                  Value* A, Value* m, Value* mr, Value* nr, Value* rowPtrs, Value* out) {
  auto& B = kb.b();
  auto* ptrTy = B.getPtrTy();
  const int64_t aBytes = ir::dtypeSize(a);
  Value* aRow = kb.gep(A, B.CreateMul(m, kb.i(K * aBytes)), B.getInt8Ty());
  Value* index = B.CreateAdd(B.CreateMul(B.CreateSub(mr, kb.i(1)), kb.i(t.nr)), B.CreateSub(nr, kb.i(1)));
  Value* fn = B.CreateLoad(ptrTy, kb.gep(table, index, ptrTy));
  auto* fnTy = llvm::FunctionType::get(B.getVoidTy(), {ptrTy, kb.i64(), ptrTy, ptrTy}, false);
  B.CreateCall(fnTy, fn, {aRow, kb.i(K * aBytes), rowPtrs, out});
  if (t.kFull == K) return;
  kb.loop(kb.i(0), mr, 1, [&](Value* i) {
    Value* aBase = B.CreateMul(B.CreateAdd(m, i), kb.i(K));
    kb.loop(kb.i(0), nr, 1, [&](Value* j) {
      Value* wRow = B.CreateLoad(ptrTy, kb.gep(rowPtrs, j, ptrTy));
      Value* at = B.CreateAdd(B.CreateMul(i, nr), j);
      Value* sum = kb.loopCarry(kb.i(t.kFull), kb.i(K), 1, {kb.loadScalar(out, at, ir::DType::F32)},
                                [&](Value* k, const std::vector<Value*>& c) {
                                  return std::vector<Value*>{kb.fma(kb.loadScalar(A, B.CreateAdd(aBase, k), a),
                                                                    kb.loadScalar(wRow, k, w), c[0])};
                                })[0];
      kb.storeScalar(sum, out, at);
    });
  });
}

}  // namespace q3c::llvmgen
