// Where the compiled kernels keep a position's key and value in a layer's KV cache slot (the
// interpreter keeps the plain [position][KV head][head dim] rows the IR describes).
//
// Positions come in blocks of kKvBlock; within a block each KV head's keys lie together, and so
// do its values: at head dim 128 a head's block is one 32 KB run of keys and one of values.
//   keys:   [block][KV head][head dim][position in block]             (the block's positions in
//           the vector lanes: element d of 64 keys is 4 vectors)
//   values: [block][KV head][chunk][position in block][valueChunk(D)]  (the head dim in
//           chunks, each chunk's positions together)
// Why: a decode step reads every cached key and value of its KV head once. In position-major
// rows one head's rows lie KV x D floats apart (4 KB on Qwen3-4B), a stride the hardware
// prefetchers do not follow, and P·V, which takes the head dim a chunk at a time, read each
// row in four short pieces. On the AVX2 EPYC a probe reading the 4B's cache at 608 positions
// (two threads) ran at 4.3-6.0 GB/s in P·V's order and 7-9 GB/s a whole row at a time, against
// 15-18 GB/s for the blocked runs read in order (docs/kernels.md, "Blocked KV cache").
// Keys with the positions in the lanes make a block's scores Q·Kᵀ plain multiply-adds of a
// broadcast query element into one sum per key, with no reduction across the head dim (the
// dot tiles' form spent ~500 instructions on 192 multiply-adds in decode; "Attention").
#pragma once
#include <cstdint>

#include "codegen/llvm/kernel_builder.h"
#include "runtime/kv_cache.h"

namespace q3c::llvmgen {

constexpr int64_t kKvBlock = KvCache::kPositionBlock;

// The chunk of the head dim that P·V takes at a time: 32 floats where the head dim is a
// multiple of it, else 16, else the whole row (the chunks must tile the head dim).
int64_t valueChunk(int64_t headDim);

// Float offsets from the slot's base, for position `pos` of KV head `kvh` (of KV heads): where
// its key element d lies (element d of a block's keys is kKvBlock consecutive floats), and
// where its value element d lies (the elements of one chunk are consecutive; with a constant d
// the chunk arithmetic folds away).
llvm::Value* keyOffset(KernelBuilder& kb, llvm::Value* pos, llvm::Value* kvh, int64_t KV, int64_t D, llvm::Value* d);
llvm::Value* valueOffset(KernelBuilder& kb, llvm::Value* pos, llvm::Value* kvh, int64_t KV, int64_t D, llvm::Value* d);

// Copy the D floats at src[srcIndex ..] to the key or the value of position pos, KV head kvh.
void emitStoreKey(KernelBuilder& kb, llvm::Value* src, llvm::Value* srcIndex, llvm::Value* cache, llvm::Value* pos,
                  llvm::Value* kvh, int64_t KV, int64_t D);
void emitStoreValue(KernelBuilder& kb, llvm::Value* src, llvm::Value* srcIndex, llvm::Value* cache, llvm::Value* pos,
                    llvm::Value* kvh, int64_t KV, int64_t D);

}  // namespace q3c::llvmgen
