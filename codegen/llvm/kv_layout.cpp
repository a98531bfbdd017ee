#include "codegen/llvm/kv_layout.h"

namespace q3c::llvmgen {

using llvm::Value;

int64_t valueChunk(int64_t headDim) {
  if (headDim % 32 == 0) return 32;
  if (headDim % 16 == 0) return 16;
  return headDim;
}

namespace {

// Where KV head kvh's part of pos's block starts: one block holds KV x kKvBlock x D floats.
Value* headBlockOffset(KernelBuilder& kb, Value* pos, Value* kvh, int64_t KV, int64_t D) {
  auto& B = kb.b();
  Value* block = B.CreateUDiv(pos, kb.i(kKvBlock));
  return B.CreateMul(B.CreateAdd(B.CreateMul(block, kb.i(KV)), kvh), kb.i(kKvBlock * D));
}

Value* positionInBlock(KernelBuilder& kb, Value* pos) { return kb.b().CreateURem(pos, kb.i(kKvBlock)); }

// cache[dst + i * stride] = src[from + i] for i < n.
void emitCopy(KernelBuilder& kb, Value* src, Value* from, Value* cache, Value* dst, int64_t n, int64_t stride = 1) {
  auto& B = kb.b();
  kb.loop(kb.i(0), kb.i(n), 1, [&](Value* i) {
    kb.storeScalar(kb.loadScalar(src, B.CreateAdd(from, i), ir::DType::F32), cache, B.CreateAdd(dst, B.CreateMul(i, kb.i(stride))));
  });
}

}  // namespace

Value* keyOffset(KernelBuilder& kb, Value* pos, Value* kvh, int64_t KV, int64_t D, Value* d) {
  auto& B = kb.b();
  return B.CreateAdd(headBlockOffset(kb, pos, kvh, KV, D), B.CreateAdd(B.CreateMul(d, kb.i(kKvBlock)), positionInBlock(kb, pos)));
}

Value* valueOffset(KernelBuilder& kb, Value* pos, Value* kvh, int64_t KV, int64_t D, Value* d) {
  auto& B = kb.b();
  const int64_t w = valueChunk(D);
  Value* chunkStart = B.CreateAdd(B.CreateMul(B.CreateUDiv(d, kb.i(w)), kb.i(kKvBlock * w)), B.CreateURem(d, kb.i(w)));
  return B.CreateAdd(B.CreateAdd(headBlockOffset(kb, pos, kvh, KV, D), chunkStart), B.CreateMul(positionInBlock(kb, pos), kb.i(w)));
}

void emitStoreKey(KernelBuilder& kb, Value* src, Value* srcIndex, Value* cache, Value* pos, Value* kvh, int64_t KV, int64_t D) {
  emitCopy(kb, src, srcIndex, cache, keyOffset(kb, pos, kvh, KV, D, kb.i(0)), D, kKvBlock);
}

void emitStoreValue(KernelBuilder& kb, Value* src, Value* srcIndex, Value* cache, Value* pos, Value* kvh, int64_t KV, int64_t D) {
  const int64_t w = valueChunk(D);
  for (int64_t d0 = 0; d0 < D; d0 += w)
    emitCopy(kb, src, kb.b().CreateAdd(srcIndex, kb.i(d0)), cache, valueOffset(kb, pos, kvh, KV, D, kb.i(d0)), w);
}

}  // namespace q3c::llvmgen
