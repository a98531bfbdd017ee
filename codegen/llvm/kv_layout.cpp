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
  Value* block = B.CreateLShr(pos, kb.i(__builtin_ctzll(kKvBlock)));
  return B.CreateMul(B.CreateAdd(B.CreateMul(block, kb.i(KV)), kvh), kb.i(kKvBlock * D));
}

Value* positionInBlock(KernelBuilder& kb, Value* pos) { return kb.b().CreateAnd(pos, kb.i(kKvBlock - 1)); }

}  // namespace

Value* keyRowOffset(KernelBuilder& kb, Value* pos, Value* kvh, int64_t KV, int64_t D) {
  auto& B = kb.b();
  return B.CreateAdd(headBlockOffset(kb, pos, kvh, KV, D), B.CreateMul(positionInBlock(kb, pos), kb.i(D)));
}

Value* valueChunkOffset(KernelBuilder& kb, Value* pos, Value* kvh, int64_t KV, int64_t D, int64_t d0) {
  auto& B = kb.b();
  const int64_t w = valueChunk(D);
  Value* chunkStart = kb.i(d0 / w * kKvBlock * w + d0 % w);
  return B.CreateAdd(B.CreateAdd(headBlockOffset(kb, pos, kvh, KV, D), chunkStart), B.CreateMul(positionInBlock(kb, pos), kb.i(w)));
}

Value* valueOffset(KernelBuilder& kb, Value* pos, Value* kvh, int64_t KV, int64_t D, Value* d) {
  auto& B = kb.b();
  const int64_t w = valueChunk(D);
  Value* chunkStart = B.CreateAdd(B.CreateMul(B.CreateUDiv(d, kb.i(w)), kb.i(kKvBlock * w)), B.CreateURem(d, kb.i(w)));
  return B.CreateAdd(B.CreateAdd(headBlockOffset(kb, pos, kvh, KV, D), chunkStart), B.CreateMul(positionInBlock(kb, pos), kb.i(w)));
}

void emitStoreValue(KernelBuilder& kb, Value* src, Value* srcIndex, Value* cache, Value* pos, Value* kvh, int64_t KV, int64_t D) {
  auto& B = kb.b();
  const int64_t w = valueChunk(D);
  for (int64_t d0 = 0; d0 < D; d0 += w) {
    Value* dst = valueChunkOffset(kb, pos, kvh, KV, D, d0);
    Value* from = B.CreateAdd(srcIndex, kb.i(d0));
    kb.loop(kb.i(0), kb.i(w), 1, [&](Value* d) {
      kb.storeScalar(kb.loadScalar(src, B.CreateAdd(from, d), ir::DType::F32), cache, B.CreateAdd(dst, d));
    });
  }
}

}  // namespace q3c::llvmgen
