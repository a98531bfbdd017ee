// attention and flash_attention: causal grouped-query attention with an online softmax. Keys
// come in blocks of `block`: the block's scores are kept on the stack, the running max and sum
// are rescaled once per block. A decode step (T = 1) splits the context into `splits` parts,
// each reduced on its own and merged. Plain `attention` is the same kernel with one split.
#include <llvm/IR/Intrinsics.h>

#include <cmath>

#include "codegen/llvm/kernels.h"

namespace q3c::llvmgen {

using llvm::Value;

KernelPlan planAttention(const ir::Graph& g, const ir::Node& n) {
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
  p.emit = [=](KernelBuilder& kb) {
    auto& B = kb.b();
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
              Value* end = B.CreateBinaryIntrinsic(llvm::Intrinsic::smin, visible, B.CreateAdd(begin, perSplit));
              fill(acc, kb.f(0.0f));
              std::vector<Value*> ml = kb.loopCarry(
                  begin, end, block, {negInf, kb.f(0.0f)}, [&](Value* b0, const std::vector<Value*>& c) {
                    Value* bEnd = B.CreateBinaryIntrinsic(llvm::Intrinsic::smin, end, B.CreateAdd(b0, kb.i(block)));
                    Value* blockMax = kb.loopCarry(b0, bEnd, 1, {negInf}, [&](Value* key, const std::vector<Value*>& bm) {
                      Value* ki = B.CreateMul(B.CreateAdd(B.CreateMul(key, kb.i(KV)), kvh), kb.i(D));
                      Value* sc = B.CreateFMul(emitDot(kb, qp, qi, ir::DType::F32, kp, ki, ir::DType::F32, D), kb.f(scale));
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
                      Value* vi = B.CreateMul(B.CreateAdd(B.CreateMul(key, kb.i(KV)), kvh), kb.i(D));
                      kb.loop(kb.i(0), kb.i(D), 1, [&](Value* d) {
                        Value* a = kb.loadScalar(acc, d, ir::DType::F32);
                        kb.storeScalar(kb.fma(pr, kb.loadScalar(vp, B.CreateAdd(vi, d), ir::DType::F32), a), acc, d);
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
