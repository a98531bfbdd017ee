// Generated kernels calling the Xbyak dot tiles: the tiling choice, the bf16 rounding of the
// activations, weight row addressing across parts, and the call with its K tail.
#include <llvm/IR/Intrinsics.h>

#include "codegen/llvm/kernels.h"
#include "codegen/xbyak/dot_tile.h"
#include "frontend/error.h"

namespace q3c::llvmgen {

using llvm::Value;

ir::DType panelType(const TileOptions& opt, ir::DType w) { return ir::isQuantized(w) ? opt.activations : w; }

bool useTiles(const TileOptions& opt, ir::DType w) {
  return opt.enabled && xbyak::dotTileSupports(opt.activations, panelType(opt, w));
}

xbyak::GemmTiling tilingFor(const TileOptions& opt, int64_t K, ir::DType w) {
  return xbyak::planGemmTiling(opt.isa, opt.activations, panelType(opt, w), K);
}

std::string tilingKey(const xbyak::GemmTiling& t, ir::DType a) {
  return " tiles=" + std::to_string(t.mr) + "x" + std::to_string(t.nr) + "/k" + std::to_string(t.kFull) + "/c" +
         std::to_string(t.kChunk) + "/m" + std::to_string(t.mBlock) + " a=" + ir::dtypeName(a) + " v6";
}

void emitBf16Rows(KernelBuilder& kb, Value* x, Value* M, int64_t K, Value* g, ir::DType gType, Value* dst) {
  auto& B = kb.b();
  auto* i32 = B.getInt32Ty();
  kb.loop(kb.i(0), M, 1, [&](Value* m) {
    Value* row = B.CreateMul(m, kb.i(K));
    kb.loop(kb.i(0), kb.i(K), 1, [&](Value* k) {
      Value* at = B.CreateAdd(row, k);
      Value* v = kb.loadScalar(x, at, ir::DType::F32);
      if (g) v = B.CreateFMul(v, kb.loadScalar(g, k, gType));
      // Round to nearest even: add 0x7FFF plus the lowest kept bit, keep the high half.
      Value* bits = B.CreateBitCast(v, i32);
      Value* lsb = B.CreateAnd(B.CreateLShr(bits, 16), B.getInt32(1));
      Value* rounded = B.CreateLShr(B.CreateAdd(bits, B.CreateAdd(lsb, B.getInt32(0x7FFF))), 16);
      B.CreateAlignedStore(B.CreateTrunc(rounded, B.getInt16Ty()), kb.gep(dst, at, B.getInt16Ty()), llvm::Align(2));
    });
  });
}

Value* emitRowPointer(KernelBuilder& kb, const std::vector<WeightSegment>& segs, Value* row, int64_t rowBytes) {
  auto& B = kb.b();
  Value* p = nullptr;
  for (const WeightSegment& s : segs) {  // the last segment that starts at or before `row`
    Value* at = kb.gep(kb.ptr(s.arg), B.CreateMul(B.CreateSub(row, kb.i(s.start)), kb.i(rowBytes)), B.getInt8Ty());
    p = p ? B.CreateSelect(B.CreateICmpSGE(row, kb.i(s.start)), at, p) : at;
  }
  return p;
}

void emitIfElse(KernelBuilder& kb, Value* cond, const std::function<void()>& then, const std::function<void()>& otherwise) {
  auto& B = kb.b();
  llvm::Function* fn = B.GetInsertBlock()->getParent();
  auto* thenBlock = llvm::BasicBlock::Create(kb.ctx(), "then", fn);
  auto* elseBlock = llvm::BasicBlock::Create(kb.ctx(), "else", fn);
  auto* done = llvm::BasicBlock::Create(kb.ctx(), "endif", fn);
  B.CreateCondBr(cond, thenBlock, elseBlock);
  B.SetInsertPoint(thenBlock);
  then();
  B.CreateBr(done);
  B.SetInsertPoint(elseBlock);
  otherwise();
  B.CreateBr(done);
  B.SetInsertPoint(done);
}

void emitMBlocks(KernelBuilder& kb, const xbyak::GemmTiling& t, Value* M, const std::function<void(Value*, Value*)>& body) {
  auto& B = kb.b();
  Value* blocks = kb.ceilDiv(M, kb.i(t.mBlock));
  Value* step = B.CreateMul(kb.ceilDiv(kb.ceilDiv(M, blocks), kb.i(t.mr)), kb.i(t.mr));
  kb.loop(kb.i(0), blocks, 1, [&](Value* b) {
    Value* mb = B.CreateMul(b, step);
    body(mb, kb.smin(B.CreateAdd(mb, step), M));
  });
}

namespace {

// Field for field xbyak::DotTileArgs: a, ldaBytes, wRows, out, partial, kBegin, kEnd, flags.
llvm::StructType* tileArgsType(KernelBuilder& kb) {
  auto* ptrTy = kb.b().getPtrTy();
  auto* i64 = kb.i64();
  return llvm::StructType::get(kb.ctx(), {ptrTy, i64, ptrTy, ptrTy, ptrTy, i64, i64, i64});
}

}  // namespace

TileScratch tileScratch(KernelBuilder& kb, const xbyak::GemmTiling& t, xbyak::Isa isa) {
  llvm::StructType* argsTy = tileArgsType(kb);
  const int64_t tiles = (t.mBlock + t.mr - 1) / t.mr;
  const int64_t perTile = xbyak::partialBytes(isa) / 4;
  return {kb.stackArray(1, argsTy), kb.stackArray(tiles * perTile), perTile};
}

void emitPanelProducts(KernelBuilder& kb, const xbyak::GemmTiling& t, ir::DType a, ir::DType w, int64_t K, Value* table,
                       const TileScratch& scratch, Value* A, Value* mb, Value* mEnd, Value* nr, Value* rowPtrs,
                       Value* sums, int64_t lda, const PanelPrepare& prepare) {
  if (lda == 0) lda = K;
  auto& B = kb.b();
  auto* ptrTy = B.getPtrTy();
  llvm::StructType* argsTy = tileArgsType(kb);
  const int64_t aBytes = ir::dtypeSize(a);
  auto field = [&](int i) { return B.CreateStructGEP(argsTy, scratch.args, static_cast<unsigned>(i)); };
  B.CreateStore(kb.i(lda * aBytes), field(1));
  B.CreateStore(rowPtrs, field(2));
  // One chunk when the block is one row (decode): each weight is read once anyway. A panel
  // prepared chunk by chunk (dequantized) is always chunked: the chunk is what fits L1.
  Value* chunk = prepare ? kb.i(std::max<int64_t>(t.kChunk, 1)) : B.CreateSelect(B.CreateICmpSGT(B.CreateSub(mEnd, mb), kb.i(1)), kb.i(std::max<int64_t>(t.kChunk, 1)),
                                kb.i(std::max<int64_t>(t.kFull, 1)));
  // for (k0 = 0; k0 < max(kFull, 1); k0 += chunk): every tile of the block over [k0, k1)
  Value* kLimit = kb.i(std::max<int64_t>(t.kFull, 1));
  llvm::Function* fn = B.GetInsertBlock()->getParent();
  llvm::BasicBlock* pre = B.GetInsertBlock();
  llvm::BasicBlock* head = llvm::BasicBlock::Create(kb.ctx(), "chunk", fn);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(kb.ctx(), "chunks_done", fn);
  B.CreateBr(head);
  B.SetInsertPoint(head);
  llvm::PHINode* k0 = B.CreatePHI(kb.i64(), 2);
  k0->addIncoming(kb.i(0), pre);
  Value* k1 = kb.smin(B.CreateAdd(k0, chunk), kb.i(t.kFull));
  Value* flags = B.CreateOr(B.CreateSelect(B.CreateICmpSGT(k0, kb.i(0)), kb.i(xbyak::kResume), kb.i(0)),
                            B.CreateSelect(B.CreateICmpSGE(k1, kb.i(t.kFull)), kb.i(xbyak::kFinish), kb.i(0)));
  if (prepare) prepare(k0, k1);
  B.CreateStore(k0, field(5));
  B.CreateStore(k1, field(6));
  B.CreateStore(flags, field(7));
  kb.loop(mb, mEnd, t.mr, [&](Value* m) {
    Value* mr = kb.smin(kb.i(t.mr), B.CreateSub(mEnd, m));
    Value* tileIndex = B.CreateSDiv(B.CreateSub(m, mb), kb.i(t.mr));
    B.CreateStore(kb.gep(A, B.CreateMul(m, kb.i(lda * aBytes)), B.getInt8Ty()), field(0));
    B.CreateStore(kb.gep(sums, B.CreateMul(B.CreateSub(m, mb), kb.i(t.nr))), field(3));
    B.CreateStore(kb.gep(scratch.partial, B.CreateMul(tileIndex, kb.i(scratch.partialFloatsPerTile))), field(4));
    Value* index = B.CreateAdd(B.CreateMul(B.CreateSub(mr, kb.i(1)), kb.i(t.nr)), B.CreateSub(nr, kb.i(1)));
    Value* fnPtr = B.CreateLoad(ptrTy, kb.gep(table, index, ptrTy));
    B.CreateCall(llvm::FunctionType::get(B.getVoidTy(), {ptrTy}, false), fnPtr, {scratch.args});
  });
  Value* next = B.CreateAdd(k0, chunk);
  k0->addIncoming(next, B.GetInsertBlock());
  B.CreateCondBr(B.CreateICmpSLT(next, kLimit), head, exit);
  B.SetInsertPoint(exit);
  if (t.kFull == K) return;
  if (prepare) throw Error("internal error: a prepared panel has a K tail");
  kb.loop(mb, mEnd, 1, [&](Value* m) {  // the last K % step products, row by row
    Value* aBase = B.CreateMul(m, kb.i(lda));
    kb.loop(kb.i(0), nr, 1, [&](Value* j) {
      Value* wRow = B.CreateLoad(ptrTy, kb.gep(rowPtrs, j, ptrTy));
      Value* at = B.CreateAdd(B.CreateMul(B.CreateSub(m, mb), kb.i(t.nr)), j);
      Value* sum = kb.loopCarry(kb.i(t.kFull), kb.i(K), 1, {kb.loadScalar(sums, at, ir::DType::F32)},
                                [&](Value* k, const std::vector<Value*>& c) {
                                  return std::vector<Value*>{kb.fma(kb.loadScalar(A, B.CreateAdd(aBase, k), a),
                                                                    kb.loadScalar(wRow, k, w), c[0])};
                                })[0];
      kb.storeScalar(sum, sums, at);
    });
  });
}

}  // namespace q3c::llvmgen
