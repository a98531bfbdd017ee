// attention and flash_attention: causal grouped-query attention with an online softmax. With
// the jit (head dim a multiple of 16): blocks of queries against blocks of keys, vectorized
// over the keys' positions. Else LLVM's loops: keys come in blocks of `block`, the
// block's scores kept on the stack, the running max and sum rescaled once per block; a decode
// step (T = 1) splits the context into `splits` parts, each reduced on its own and merged.
// Plain `attention` is the same kernel with one split.
#include <llvm/IR/Intrinsics.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "codegen/llvm/kernels.h"
#include "codegen/llvm/kv_layout.h"

namespace q3c::llvmgen {

using llvm::Value;

namespace {

// Vectorized: blocks of up to kQueries query rows against blocks of kKeys keys (one block of
// the cache, whose keys hold the positions in the lanes: kv_layout.h): the block's scores Q·Kᵀ
// (emitBlockScores), masking, the online softmax (exp inline, vectorized) and P·V, the K and V
// of a block serving all its rows from cache. Prefill: the rows are one head's tokens. Decode:
// the rows are the heads that share a KV head (grouped-query attention), so each cached key
// and value is read once for the whole group; long contexts also split into segments of
// positions (emitDecode).
constexpr int64_t kQueries = 32, kKeys = 64;
static_assert(kKeys == kKvBlock, "a block of scores is one block of the cache's keys");
// P·V's register block: 4 rows x up to 4 vectors = 16 accumulators (decode's 4 query heads per
// KV head on Qwen3-4B are one group), the vectors within one chunk of the cached values
// (kv_layout.h); kQueries is a multiple of kPvRows.
constexpr int64_t kPvRows = 4, kPvVectors = 4;
// Decode's segments of positions (emitDecode): whole blocks of kKeys, at least kMinSegment
// positions each, at most kMaxSegments of them (their states are merged on one thread). The
// shared area holds a counter (in its first line) and the segments' states.
constexpr int64_t kMinSegment = 256, kMaxSegments = 16, kSharedHeaderFloats = 16;

// Scores of a block after Q·K: row r < rows of S (kKeys apart) holds its dot products with the
// block's keys, the first limitOf(r) of them visible. Scales and masks them, moves the row's
// running max and sum and rescales its accumulator (acc, D apart) to the new max, and leaves
// the probabilities in S (0 for masked keys). A row that sees none of the block's keys keeps
// its state and takes no part in P·V: its S row is zeroed, its scores not exponentiated.
void emitBlockSoftmax(KernelBuilder& kb, Value* S, Value* rowMax, Value* rowSum, Value* acc, Value* rows, int64_t D,
                      float scale, const std::function<Value*(Value*)>& limitOf) {
  auto& B = kb.b();
  const int64_t vw = kb.vw();
  kb.loop(kb.i(0), rows, 1, [&](Value* row) {
    Value* sRow = B.CreateMul(row, kb.i(kKeys));
    Value* limit = limitOf(row);
    std::vector<llvm::Constant*> lanes;
    for (int64_t l = 0; l < vw; ++l) lanes.push_back(llvm::ConstantFP::get(kb.f32(), static_cast<float>(l)));
    Value* laneIndex = llvm::ConstantVector::get(lanes);
    Value* limitV = kb.splat(B.CreateSIToFP(limit, kb.f32()));
    Value* blockMax = kb.loopCarry(kb.i(0), kb.i(kKeys), vw, {kb.splat(kb.f(-INFINITY))}, [&](Value* k, const std::vector<Value*>& c) {
      Value* idx = B.CreateFAdd(laneIndex, kb.splat(B.CreateSIToFP(k, kb.f32())));
      Value* sv = B.CreateFMul(kb.loadVector(S, B.CreateAdd(sRow, k), ir::DType::F32), kb.splat(kb.f(scale)));
      sv = B.CreateSelect(B.CreateFCmpOLT(idx, limitV), sv, kb.splat(kb.f(-INFINITY)));
      kb.storeVector(sv, S, B.CreateAdd(sRow, k));
      return std::vector<Value*>{B.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, c[0], sv)};
    })[0];
    Value* bmax = kb.hmax(blockMax);
    emitIfElse(kb, B.CreateICmpSGT(limit, kb.i(0)), [&] {
      Value* oldMax = kb.loadScalar(rowMax, row, ir::DType::F32);
      Value* newMax = B.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, oldMax, bmax);
      Value* rescale = B.CreateSelect(B.CreateFCmpOEQ(oldMax, kb.f(-INFINITY)), kb.f(0.0f), kb.expf(B.CreateFSub(oldMax, newMax)));
      Value* sumV = kb.loopCarry(kb.i(0), kb.i(kKeys), vw, {kb.zeroVec()}, [&](Value* k, const std::vector<Value*>& c) {
        Value* pv = kb.expVec(B.CreateFSub(kb.loadVector(S, B.CreateAdd(sRow, k), ir::DType::F32), kb.splat(newMax)));
        kb.storeVector(pv, S, B.CreateAdd(sRow, k));
        return std::vector<Value*>{B.CreateFAdd(c[0], pv)};
      })[0];
      kb.storeScalar(kb.fma(kb.loadScalar(rowSum, row, ir::DType::F32), rescale, kb.hsum(sumV)), rowSum, row);
      kb.storeScalar(newMax, rowMax, row);
      Value* aRow = B.CreateMul(row, kb.i(D));
      kb.loop(kb.i(0), kb.i(D), vw, [&](Value* d) {
        Value* at = B.CreateAdd(aRow, d);
        kb.storeVector(B.CreateFMul(kb.loadVector(acc, at, ir::DType::F32), kb.splat(rescale)), acc, at);
      });
    }, [&] {
      kb.loop(kb.i(0), kb.i(kKeys), vw, [&](Value* k) { kb.storeVector(kb.zeroVec(), S, B.CreateAdd(sRow, k)); });
    });
  });
}

// P·V for rows [r0, r0 + R) and the block's keys k0 + c, c < blockKeys (values of KV head
// kvh): acc[r] += S[r][c] * V[k0 + c], a few vectors of one chunk of the head dim at a time
// (the keys' pieces of a chunk lie in order, kv_layout.h), the sums in registers across the
// keys (masked keys have probability 0).
void emitPvGroup(KernelBuilder& kb, Value* S, Value* acc, Value* vp, int64_t KV, int64_t D, Value* kvh, Value* k0,
                 Value* blockKeys, Value* r0, int64_t R) {
  auto& B = kb.b();
  const int64_t vw = kb.vw();
  const int64_t pass = std::min(valueChunk(D), kPvVectors * vw);  // floats: whole vectors (D % 16 == 0)
  for (int64_t d0 = 0; d0 < D; d0 += pass) {
    const int64_t vecs = pass / vw;
    auto accAt = [&](int64_t r, int64_t v) { return B.CreateAdd(B.CreateMul(B.CreateAdd(r0, kb.i(r)), kb.i(D)), kb.i(d0 + v * vw)); };
    std::vector<Value*> init;
    for (int64_t r = 0; r < R; ++r)
      for (int64_t v = 0; v < vecs; ++v) init.push_back(kb.loadVector(acc, accAt(r, v), ir::DType::F32));
    std::vector<Value*> sums = kb.loopCarry(kb.i(0), blockKeys, 1, init, [&](Value* c, const std::vector<Value*>& in) {
      Value* piece = valueOffset(kb, B.CreateAdd(k0, c), kvh, KV, D, kb.i(d0));
      std::vector<Value*> values, next;
      for (int64_t v = 0; v < vecs; ++v) values.push_back(kb.loadVector(vp, B.CreateAdd(piece, kb.i(v * vw)), ir::DType::F32));
      for (int64_t r = 0; r < R; ++r) {
        Value* pr = kb.splat(kb.loadScalar(S, B.CreateAdd(B.CreateMul(B.CreateAdd(r0, kb.i(r)), kb.i(kKeys)), c), ir::DType::F32));
        for (int64_t v = 0; v < vecs; ++v) next.push_back(kb.fma(pr, values[v], in[r * vecs + v]));
      }
      return next;
    });
    for (int64_t r = 0; r < R; ++r)
      for (int64_t v = 0; v < vecs; ++v) kb.storeVector(sums[r * vecs + v], acc, accAt(r, v));
  }
}

// Rows [first, end) in groups of maxRows (a power of 2), then of half as many, down to 1: whole
// groups only, so no row past `end` is computed (decode of a model with 2 query heads per KV
// head, Qwen3-0.6B and 1.7B, did twice its P·V work in groups of 4).
void emitRowGroups(KernelBuilder& kb, Value* first, Value* end, int64_t maxRows, const std::function<void(Value*, int64_t)>& group) {
  auto& B = kb.b();
  for (int64_t R = maxRows; R >= 1; R /= 2) {
    Value* stop = B.CreateAdd(first, B.CreateMul(B.CreateSDiv(B.CreateSub(end, first), kb.i(R)), kb.i(R)));
    kb.loop(first, stop, R, [&](Value* r0) { group(r0, R); });
    first = stop;
  }
}

// Q·Kᵀ of the block of keys [k0, k0 + kKeys) (k0 a multiple of kKvBlock) of KV head kvh:
// S[r][c] = q_r · key(k0 + c) for rows r < rows (queries at qBase, lda floats apart), all
// kKeys of them (keys past the context are masked by the softmax). Element d of the block's
// keys is kKeys consecutive floats, so each row's sums are kKeys / vw vectors and each element
// of the head dim is one broadcast multiply-add per vector, no reduction; rows go in groups so
// that each key vector loaded serves several (16 sums in registers on AVX-512, 8 on AVX2).
// No software prefetch: each block's keys and values are 32 KB runs in order, which the
// hardware prefetchers follow; prefetching the next block's keys and this block's values from
// here made decode attention ~10% slower (docs/kernels.md, "Attention").
void emitBlockScores(KernelBuilder& kb, Value* S, Value* qBase, int64_t lda, Value* rows, Value* kp, int64_t KV, int64_t D,
                     Value* kvh, Value* k0) {
  auto& B = kb.b();
  const int64_t vw = kb.vw(), vecs = kKeys / vw;
  const int64_t groupRows = std::max<int64_t>(1, vw / vecs);  // vw sums: 4 rows x 4 on AVX-512, 1 x 8 on AVX2
  Value* block = keyOffset(kb, k0, kvh, KV, D, kb.i(0));
  emitRowGroups(kb, kb.i(0), rows, groupRows, [&](Value* r0, int64_t R) {
    std::vector<Value*> init(R * vecs, kb.zeroVec());
    std::vector<Value*> sums = kb.loopCarry(kb.i(0), kb.i(D), 1, init, [&](Value* d, const std::vector<Value*>& in) {
      Value* at = B.CreateMul(d, kb.i(kKeys));
      std::vector<Value*> keys, out;
      for (int64_t v = 0; v < vecs; ++v)
        keys.push_back(kb.loadVector(kp, B.CreateAdd(block, B.CreateAdd(at, kb.i(v * vw))), ir::DType::F32));
      for (int64_t r = 0; r < R; ++r) {
        Value* q = kb.splat(kb.loadScalar(qBase, B.CreateAdd(B.CreateMul(B.CreateAdd(r0, kb.i(r)), kb.i(lda)), d), ir::DType::F32));
        for (int64_t v = 0; v < vecs; ++v) out.push_back(kb.fma(q, keys[v], in[r * vecs + v]));
      }
      return out;
    });
    for (int64_t r = 0; r < R; ++r)
      for (int64_t v = 0; v < vecs; ++v)
        kb.storeVector(sums[r * vecs + v], S, B.CreateAdd(B.CreateMul(B.CreateAdd(r0, kb.i(r)), kb.i(kKeys)), kb.i(v * vw)));
  });
}

// Stack arrays of one query block: scores, running max and sum, and weighted values of up to
// kQueries rows.
struct BlockState {
  Value *S, *rowMax, *rowSum, *acc;
};

BlockState blockState(KernelBuilder& kb, int64_t D) {
  return {kb.stackArray(kQueries * kKeys), kb.stackArray(kQueries), kb.stackArray(kQueries), kb.stackArray(kQueries * D)};
}

// Rows [0, rows) of queries at qBase (lda floats apart) against KV head kvh's keys [kBegin,
// kEnd), block by block of kKeys, with the online softmax: leaves each row's max, sum and
// unnormalized weighted values in st. Row r sees the first limitOf(r, k0, kEnd) keys of the
// block [k0, kEnd). kBegin is a multiple of kKeys.
void emitHeadRange(KernelBuilder& kb, const BlockState& st, Value* kp, Value* vp, int64_t KV, int64_t D, float scale, Value* kvh,
                   Value* qBase, int64_t lda, Value* rows, Value* kBegin, Value* kEnd,
                   const std::function<Value*(Value*, Value*, Value*)>& limitOf) {
  auto& B = kb.b();
  kb.loop(kb.i(0), kb.i(kQueries), 1, [&](Value* r) {
    kb.storeScalar(kb.f(-INFINITY), st.rowMax, r);
    kb.storeScalar(kb.f(0.0f), st.rowSum, r);
  });
  kb.loop(kb.i(0), kb.i(kQueries * D), kb.vw(), [&](Value* i) { kb.storeVector(kb.zeroVec(), st.acc, i); });
  kb.loop(kBegin, kEnd, kKeys, [&](Value* k0) {
    Value* bEnd = kb.smin(B.CreateAdd(k0, kb.i(kKeys)), kEnd);
    emitBlockScores(kb, st.S, qBase, lda, rows, kp, KV, D, kvh, k0);
    emitBlockSoftmax(kb, st.S, st.rowMax, st.rowSum, st.acc, rows, D, scale, [&](Value* r) { return limitOf(r, k0, bEnd); });
    emitRowGroups(kb, kb.i(0), rows, kPvRows, [&](Value* r0, int64_t R) {
      emitPvGroup(kb, st.S, st.acc, vp, KV, D, kvh, k0, B.CreateSub(bEnd, k0), r0, R);
    });
  });
}

// out[dst(r) ..] = acc[r] / sum[r] for rows r < rows.
void emitNormalizedRows(KernelBuilder& kb, const BlockState& st, int64_t D, Value* rows, Value* out,
                        const std::function<Value*(Value*)>& dst) {
  auto& B = kb.b();
  kb.loop(kb.i(0), rows, 1, [&](Value* row) {
    Value* inv = kb.splat(B.CreateFDiv(kb.f(1.0f), kb.loadScalar(st.rowSum, row, ir::DType::F32)));
    Value* to = dst(row);
    kb.loop(kb.i(0), kb.i(D), kb.vw(), [&](Value* d) {
      kb.storeVector(B.CreateFMul(kb.loadVector(st.acc, B.CreateAdd(B.CreateMul(row, kb.i(D)), d), ir::DType::F32), inv), out,
                     B.CreateAdd(to, d));
    });
  });
}

// Decode (T = 1): the work items are (segment of positions, KV head), the KV head's G query
// heads being the rows. One segment while the context is short (every KV head one item, as
// parts took them before); beyond kMinSegment positions several, so that a machine with more
// threads than KV heads (8 on every Qwen3) keeps them all busy. Each item of a context of
// several segments writes its rows' max, sum and weighted values to the shared area, and the
// last part to finish merges the segments head by head. The segments depend on the context
// length alone and merge in their order, so the result does not depend on the number of parts
// or threads.
void emitDecode(KernelBuilder& kb, int64_t H, int64_t KV, int64_t D, float scale, Value* qp, Value* kp, Value* vp, Value* out,
                Value* shared) {
  auto& B = kb.b();
  const int64_t G = H / KV, vw = kb.vw(), stateFloats = H * (D + 2);
  const BlockState st = blockState(kb, D);
  Value* merged = kb.stackArray(D);
  Value* L = B.CreateAdd(kb.past(), kb.i(1));
  // Whole blocks of keys (kMinSegment is a multiple of kKeys).
  Value* perSegment = B.CreateMul(kb.ceilDiv(kb.ceilDiv(L, kb.i(kMaxSegments)), kb.i(kKeys)), kb.i(kKeys));
  Value* segLen = B.CreateBinaryIntrinsic(llvm::Intrinsic::smax, kb.i(kMinSegment), perSegment);
  Value* segs = kb.ceilDiv(L, segLen);
  Value* several = B.CreateICmpSGT(segs, kb.i(1));
  Value* partials = kb.gep(shared, kb.i(kSharedHeaderFloats));
  Value* items = B.CreateMul(segs, kb.i(KV));
  Value* first = B.CreateSDiv(B.CreateMul(kb.part(), items), kb.parts());
  Value* last = B.CreateSDiv(B.CreateMul(B.CreateAdd(kb.part(), kb.i(1)), items), kb.parts());
  kb.loop(first, last, 1, [&](Value* item) {
    Value* s = B.CreateSDiv(item, kb.i(KV));
    Value* g = B.CreateSRem(item, kb.i(KV));
    Value* s0 = B.CreateMul(s, segLen);
    Value* s1 = kb.smin(L, B.CreateAdd(s0, segLen));
    emitHeadRange(kb, st, kp, vp, KV, D, scale, g, kb.gep(qp, B.CreateMul(g, kb.i(G * D))), D, kb.i(G), s0, s1,
                  [&](Value*, Value* k0, Value* bEnd) { return B.CreateSub(bEnd, k0); });
    emitIfElse(kb, several, [&] {  // this segment's state of rows g * G ..: [H maxima][H sums][H x D values]
      Value* state = kb.gep(partials, B.CreateMul(s, kb.i(stateFloats)));
      Value* row0 = B.CreateMul(g, kb.i(G));
      kb.loop(kb.i(0), kb.i(G), 1, [&](Value* r) {
        Value* h = B.CreateAdd(row0, r);
        kb.storeScalar(kb.loadScalar(st.rowMax, r, ir::DType::F32), state, h);
        kb.storeScalar(kb.loadScalar(st.rowSum, r, ir::DType::F32), state, B.CreateAdd(h, kb.i(H)));
        kb.loop(kb.i(0), kb.i(D), vw, [&](Value* d) {
          kb.storeVector(kb.loadVector(st.acc, B.CreateAdd(B.CreateMul(r, kb.i(D)), d), ir::DType::F32), state,
                         B.CreateAdd(B.CreateAdd(kb.i(2 * H), B.CreateMul(h, kb.i(D))), d));
        });
      });
    }, [&] {
      emitNormalizedRows(kb, st, D, kb.i(G), out, [&](Value* r) { return B.CreateMul(B.CreateAdd(B.CreateMul(g, kb.i(G)), r), kb.i(D)); });
    });
  });
  // Of several segments: count this part done; the last one (which sees every item's state:
  // acquire-release on the counter) resets the counter for the next call and merges, head by
  // head, in segment order.
  emitIfElse(kb, several, [&] {
    Value* before = B.CreateAtomicRMW(llvm::AtomicRMWInst::Add, shared, kb.i(1), llvm::MaybeAlign(8),
                                      llvm::AtomicOrdering::AcquireRelease);
    emitIfElse(kb, B.CreateICmpEQ(before, B.CreateSub(kb.parts(), kb.i(1))), [&] {
      B.CreateAlignedStore(kb.i(0), shared, llvm::Align(8))->setAtomic(llvm::AtomicOrdering::Monotonic);
      auto stateOf = [&](Value* s) { return kb.gep(partials, B.CreateMul(s, kb.i(stateFloats))); };
      kb.loop(kb.i(0), kb.i(H), 1, [&](Value* h) {
        Value* m = kb.loopCarry(kb.i(0), segs, 1, {kb.f(-INFINITY)}, [&](Value* s, const std::vector<Value*>& c) {
          return std::vector<Value*>{B.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, c[0], kb.loadScalar(stateOf(s), h, ir::DType::F32))};
        })[0];
        kb.loop(kb.i(0), kb.i(D), vw, [&](Value* d) { kb.storeVector(kb.zeroVec(), merged, d); });
        Value* valuesAt = B.CreateAdd(kb.i(2 * H), B.CreateMul(h, kb.i(D)));
        Value* l = kb.loopCarry(kb.i(0), segs, 1, {kb.f(0.0f)}, [&](Value* s, const std::vector<Value*>& c) {
          Value* state = stateOf(s);
          Value* w = kb.expf(B.CreateFSub(kb.loadScalar(state, h, ir::DType::F32), m));
          kb.loop(kb.i(0), kb.i(D), vw, [&](Value* d) {
            Value* v = kb.loadVector(state, B.CreateAdd(valuesAt, d), ir::DType::F32);
            kb.storeVector(kb.fma(v, kb.splat(w), kb.loadVector(merged, d, ir::DType::F32)), merged, d);
          });
          return std::vector<Value*>{kb.fma(kb.loadScalar(state, B.CreateAdd(h, kb.i(H)), ir::DType::F32), w, c[0])};
        })[0];
        Value* inv = kb.splat(B.CreateFDiv(kb.f(1.0f), l));
        kb.loop(kb.i(0), kb.i(D), vw, [&](Value* d) {
          kb.storeVector(B.CreateFMul(kb.loadVector(merged, d, ir::DType::F32), inv), out, B.CreateAdd(B.CreateMul(h, kb.i(D)), d));
        });
      });
    }, [] {});
  }, [] {});
}

void emitVectorized(KernelBuilder& kb, int64_t H, int64_t KV, int64_t D, float scale, Value* qp, Value* kp, Value* vp, Value* out,
                    Value* shared) {
  auto& B = kb.b();
  llvm::Function* fn = B.GetInsertBlock()->getParent();
  auto* decode = llvm::BasicBlock::Create(kb.ctx(), "decode", fn);
  auto* prefill = llvm::BasicBlock::Create(kb.ctx(), "prefill", fn);
  auto* done = llvm::BasicBlock::Create(kb.ctx(), "done", fn);
  B.CreateCondBr(B.CreateICmpEQ(kb.T(), kb.i(1)), decode, prefill);
  B.SetInsertPoint(decode);
  emitDecode(kb, H, KV, D, scale, qp, kp, vp, out, shared);
  B.CreateBr(done);
  B.SetInsertPoint(prefill);
  {  // per head, blocks of kQueries tokens (row t of head h at q + (t * H + h) * D)
    const BlockState st = blockState(kb, D);
    Value* past = kb.past();
    auto [h0, h1] = kb.partRange(H, 1);
    kb.loop(h0, h1, 1, [&](Value* h) {
      Value* kvh = B.CreateSDiv(h, kb.i(H / KV));
      kb.loop(kb.i(0), kb.T(), kQueries, [&](Value* q0) {
        Value* rows = B.CreateSub(kb.smin(B.CreateAdd(q0, kb.i(kQueries)), kb.T()), q0);
        Value* qBase = kb.gep(qp, B.CreateMul(B.CreateAdd(B.CreateMul(q0, kb.i(H)), h), kb.i(D)));
        // Row r (token q0 + r) sees keys up to past + q0 + r; the block's last row the most.
        emitHeadRange(kb, st, kp, vp, KV, D, scale, kvh, qBase, H * D, rows, kb.i(0), B.CreateAdd(past, B.CreateAdd(q0, rows)),
                      [&](Value* r, Value* k0, Value* bEnd) {
                        return B.CreateSub(kb.smin(bEnd, B.CreateAdd(B.CreateAdd(past, B.CreateAdd(q0, r)), kb.i(1))), k0);
                      });
        emitNormalizedRows(kb, st, D, rows, out, [&](Value* r) {
          return B.CreateMul(B.CreateAdd(B.CreateMul(B.CreateAdd(q0, r), kb.i(H)), h), kb.i(D));
        });
      });
    });
  }
  B.CreateBr(done);
  B.SetInsertPoint(done);
}

}  // namespace

KernelPlan planAttention(const ir::Graph& g, const ir::Node& n, const TileOptions& tiles) {
  const ir::TensorType& q = g.value(n.result).type;
  const int64_t H = q.shape[1].value, D = q.shape[2].value, KV = g.value(n.operands[1]).type.shape[1].value;
  const float scale = static_cast<float>(n.attrFloat("scale"));
  const bool flash = n.op == ir::OpKind::FlashAttention;
  const int64_t block = flash ? n.attrInt("block") : 64, splits = flash ? n.attrInt("splits") : 1;

  KernelPlan p;
  p.name = std::string(flash ? "flash_attention" : "attention") + "_h" + std::to_string(H) + "_kv" + std::to_string(KV) +
           "_d" + std::to_string(D);
  p.key = attrsKey(n) + " H=" + std::to_string(H) + " KV=" + std::to_string(KV) + " D=" + std::to_string(D);
  p.args = {{ArgRef::Value, n.operands[0]}, {ArgRef::Value, n.operands[1]}, {ArgRef::Value, n.operands[2]},
            {ArgRef::Value, n.result}};
  p.splits = true;  // parts take disjoint query heads
  // Vectorized when the head dim is whole vectors and the jit asks for its kernels; else (the
  // llvm backend) LLVM's loops with context splits in decode.
  const bool vectorized = tiles.enabled && D % 16 == 0 && H / KV <= kQueries;
  if (vectorized) {
    p.args.push_back({ArgRef::Shared});
    p.sharedFloats = kSharedHeaderFloats + kMaxSegments * H * (D + 2);
    p.key += " lanes1 seg" + std::to_string(kMinSegment) + "x" + std::to_string(kMaxSegments) + " q" + std::to_string(kQueries) +
             " k" + std::to_string(kKeys) + " pv" + std::to_string(kPvRows) + "x" + std::to_string(kPvVectors);
  }
  p.emit = [=](KernelBuilder& kb) {
    auto& B = kb.b();
    if (vectorized) {
      emitVectorized(kb, H, KV, D, scale, kb.ptr(0), kb.ptr(1), kb.ptr(2), kb.ptr(3), kb.ptr(4));
      kb.finish();
      return;
    }
    Value* qp = kb.ptr(0);
    Value* kp = kb.ptr(1);
    Value* vp = kb.ptr(2);
    Value* out = kb.ptr(3);
    Value* T = kb.T();
    Value* scores = kb.stackArray(block);
    Value* acc = kb.stackArray(D);     // this split's weighted sum of values
    Value* merged = kb.stackArray(D);  // all splits so far
    Value* one = kb.i(1);
    Value* nSplits = B.CreateSelect(B.CreateICmpEQ(T, one), kb.i(splits), one);
    Value* negInf = kb.f(-INFINITY);
    auto maxf = [&](Value* a, Value* b) { return B.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, a, b); };
    auto fill = [&](Value* arr, Value* v) { kb.loop(kb.i(0), kb.i(D), 1, [&](Value* d) { kb.storeScalar(v, arr, d); }); };
    // arr[d] = arr[d] * a + other[d] * b
    auto blend = [&](Value* arr, Value* a, Value* other, Value* b) {
      kb.loop(kb.i(0), kb.i(D), 1, [&](Value* d) {
        Value* v = B.CreateFMul(kb.loadScalar(arr, d, ir::DType::F32), a);
        kb.storeScalar(kb.fma(kb.loadScalar(other, d, ir::DType::F32), b, v), arr, d);
      });
    };

    auto [h0, h1] = kb.partRange(H, 1);
    kb.loop(kb.i(0), T, 1, [&](Value* t) {
      Value* visible = B.CreateAdd(B.CreateAdd(kb.past(), t), one);
      Value* perSplit = B.CreateSDiv(B.CreateSub(B.CreateAdd(visible, nSplits), one), nSplits);
      kb.loop(h0, h1, 1, [&](Value* h) {
        Value* qi = B.CreateMul(B.CreateAdd(B.CreateMul(t, kb.i(H)), h), kb.i(D));
        Value* kvh = B.CreateSDiv(h, kb.i(H / KV));
        fill(merged, kb.f(0.0f));
        std::vector<Value*> total = kb.loopCarry(
            kb.i(0), nSplits, 1, {negInf, kb.f(0.0f)}, [&](Value* s, const std::vector<Value*>& mt) {
              Value* begin = B.CreateMul(s, perSplit);
              Value* end = kb.smin(visible, B.CreateAdd(begin, perSplit));
              fill(acc, kb.f(0.0f));
              std::vector<Value*> ml = kb.loopCarry(
                  begin, end, block, {negInf, kb.f(0.0f)}, [&](Value* b0, const std::vector<Value*>& c) {
                    Value* bEnd = kb.smin(end, B.CreateAdd(b0, kb.i(block)));
                    Value* blockMax = kb.loopCarry(b0, bEnd, 1, {negInf}, [&](Value* key, const std::vector<Value*>& bm) {
                      Value* dot = kb.loopCarry(kb.i(0), kb.i(D), 1, {kb.f(0.0f)}, [&](Value* d, const std::vector<Value*>& c) {
                        Value* k = kb.loadScalar(kp, keyOffset(kb, key, kvh, KV, D, d), ir::DType::F32);
                        return std::vector<Value*>{kb.fma(kb.loadScalar(qp, B.CreateAdd(qi, d), ir::DType::F32), k, c[0])};
                      })[0];
                      Value* sc = B.CreateFMul(dot, kb.f(scale));
                      kb.storeScalar(sc, scores, B.CreateSub(key, b0));
                      return std::vector<Value*>{maxf(bm[0], sc)};
                    })[0];
                    Value* newMax = maxf(c[0], blockMax);
                    Value* rescale = kb.expf(B.CreateFSub(c[0], newMax));  // 0 on the first block
                    kb.loop(kb.i(0), kb.i(D), 1, [&](Value* d) {
                      kb.storeScalar(B.CreateFMul(kb.loadScalar(acc, d, ir::DType::F32), rescale), acc, d);
                    });
                    Value* l = kb.loopCarry(b0, bEnd, 1, {B.CreateFMul(c[1], rescale)}, [&](Value* key, const std::vector<Value*>& lc) {
                      Value* pr = kb.expf(B.CreateFSub(kb.loadScalar(scores, B.CreateSub(key, b0), ir::DType::F32), newMax));
                      kb.loop(kb.i(0), kb.i(D), 1, [&](Value* d) {
                        Value* a = kb.loadScalar(acc, d, ir::DType::F32);
                        kb.storeScalar(kb.fma(pr, kb.loadScalar(vp, valueOffset(kb, key, kvh, KV, D, d), ir::DType::F32), a), acc, d);
                      });
                      return std::vector<Value*>{B.CreateFAdd(lc[0], pr)};
                    })[0];
                    return std::vector<Value*>{newMax, l};
                  });
              // Merge this split into the total (an empty split has l = 0 and changes nothing).
              Value* newMax = maxf(mt[0], ml[0]);
              Value* fOld = kb.expf(B.CreateFSub(mt[0], newMax));
              Value* fNew = kb.expf(B.CreateFSub(ml[0], newMax));
              Value* empty = B.CreateFCmpOEQ(ml[1], kb.f(0.0f));
              fOld = B.CreateSelect(empty, kb.f(1.0f), fOld);
              fNew = B.CreateSelect(empty, kb.f(0.0f), fNew);
              blend(merged, fOld, acc, fNew);
              Value* l = B.CreateFAdd(B.CreateFMul(mt[1], fOld), B.CreateFMul(ml[1], fNew));
              return std::vector<Value*>{B.CreateSelect(empty, mt[0], newMax), l};
            });
        Value* invL = B.CreateFDiv(kb.f(1.0f), total[1]);
        kb.loop(kb.i(0), kb.i(D), 1, [&](Value* d) {
          kb.storeScalar(B.CreateFMul(kb.loadScalar(merged, d, ir::DType::F32), invL), out, B.CreateAdd(qi, d));
        });
      });
    });
    kb.finish();
  };
  return p;
}

}  // namespace q3c::llvmgen
