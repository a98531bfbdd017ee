#include "codegen/llvm/kernels.h"

#include <llvm/IR/Intrinsics.h>

#include "frontend/error.h"

namespace q3c::llvmgen {

using ir::OpKind;
using llvm::Value;

std::string attrsKey(const ir::Node& n) {
  std::string s = ir::opInfo(n.op).name;
  for (const auto& [k, v] : n.attrs) {
    if (k == "arena_offset" || k == "layer") continue;  // placement and cache slot come as pointers
    s += " " + k + "=";
    if (auto* i = std::get_if<int64_t>(&v)) s += std::to_string(*i);
    else if (auto* d = std::get_if<double>(&v)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", *d);
      s += buf;
    } else s += std::get<std::string>(v);
  }
  return s;
}

ir::DType dtypeOf(const ir::Graph& g, const ConstantTable& constants, ir::ValueId v) {
  return constants.has(v) ? constants.at(v).dtype : g.value(v).type.dtype;
}

int64_t rowsPerToken(const ir::TensorType& t) {
  int64_t r = 1;
  for (size_t i = 0; i + 1 < t.shape.size(); ++i) r *= t.shape[i].isConst() ? t.shape[i].value : 1;
  return r;
}

Value* emitDot(KernelBuilder& kb, Value* a, Value* ai, ir::DType ad, Value* b, Value* bi, ir::DType bd, int64_t n) {
  auto& B = kb.b();
  const int64_t vw = kb.vw(), full = n / vw * vw;
  Value* sum = kb.f(0.0f);
  if (full > 0) {
    Value* acc = kb.loopCarry(kb.i(0), kb.i(full), vw, {kb.zeroVec()}, [&](Value* k, const std::vector<Value*>& c) {
      return std::vector<Value*>{kb.fma(kb.loadVector(a, B.CreateAdd(ai, k), ad), kb.loadVector(b, B.CreateAdd(bi, k), bd), c[0])};
    })[0];
    sum = kb.hsum(acc);
  }
  if (full < n)
    sum = kb.loopCarry(kb.i(full), kb.i(n), 1, {sum}, [&](Value* k, const std::vector<Value*>& c) {
      return std::vector<Value*>{kb.fma(kb.loadScalar(a, B.CreateAdd(ai, k), ad), kb.loadScalar(b, B.CreateAdd(bi, k), bd), c[0])};
    })[0];
  return sum;
}

void emitRmsNormInPlace(KernelBuilder& kb, Value* x, Value* xi, int64_t n, float eps, Value* w, ir::DType wd) {
  auto& B = kb.b();
  Value* ss = emitDot(kb, x, xi, ir::DType::F32, x, xi, ir::DType::F32, n);
  Value* mean = B.CreateFAdd(B.CreateFDiv(ss, kb.f(static_cast<float>(n))), kb.f(eps));
  Value* inv = B.CreateFDiv(kb.f(1.0f), B.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, mean));
  kb.loop(kb.i(0), kb.i(n), 1, [&](Value* d) {
    Value* at = B.CreateAdd(xi, d);
    Value* v = B.CreateFMul(kb.loadScalar(x, at, ir::DType::F32), inv);
    if (w) v = B.CreateFMul(kb.loadScalar(w, d, wd), v);
    kb.storeScalar(v, x, at);
  });
}

std::vector<WeightSegment> weightSegments(const ConstantTable& constants, ir::ValueId w, std::vector<ArgRef>& args) {
  std::vector<WeightSegment> segs;
  int64_t start = 0;
  const auto& parts = constants.at(w).parts;
  for (size_t i = 0; i < parts.size(); ++i) {
    segs.push_back({static_cast<int>(args.size()), start, parts[i].rows});
    args.push_back({ArgRef::ConstantPart, w, static_cast<int64_t>(i)});
    start += parts[i].rows;
  }
  return segs;
}

Error quantizedNeedsJit(const ir::Graph& g, const ir::Node& n) {
  return Error("%" + g.value(n.result).name + ": quantized weights (" + ir::dtypeName(g.value(n.operands[1]).type.dtype) +
               ") run on --backend jit or interp, not on llvm's own loops");
}

const WeightSegment& segmentOf(const std::vector<WeightSegment>& segs, int64_t row) {
  for (const WeightSegment& s : segs)
    if (row >= s.start && row < s.start + s.rows) return s;
  throw Error("internal error: weight row " + std::to_string(row) + " is in no part");
}

Value* emitNormPrologue(KernelBuilder& kb, Value* x, Value* M, int64_t K, float eps, Value* inv, Value* g,
                        ir::DType gType, Value* xs) {
  auto& B = kb.b();
  kb.loop(kb.i(0), M, 1, [&](Value* m) {
    Value* row = B.CreateMul(m, kb.i(K));
    Value* ss = emitDot(kb, x, row, ir::DType::F32, x, row, ir::DType::F32, K);
    Value* mean = B.CreateFAdd(B.CreateFDiv(ss, kb.f(static_cast<float>(K))), kb.f(eps));
    kb.storeScalar(B.CreateFDiv(kb.f(1.0f), B.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, mean)), inv, m);
    if (g)
      kb.loop(kb.i(0), kb.i(K), 1, [&](Value* k) {
        Value* at = B.CreateAdd(row, k);
        kb.storeScalar(B.CreateFMul(kb.loadScalar(x, at, ir::DType::F32), kb.loadScalar(g, k, gType)), xs, at);
      });
  });
  return g ? xs : x;
}

void emitRopeTables(KernelBuilder& kb, const std::vector<float>& invFreq, float attentionFactor, Value* cosT, Value* sinT) {
  auto& B = kb.b();
  const int64_t half = static_cast<int64_t>(invFreq.size());
  auto* type = llvm::ArrayType::get(kb.f32(), half);
  std::vector<llvm::Constant*> freqs;
  for (float f : invFreq) freqs.push_back(llvm::ConstantFP::get(kb.f32(), f));
  auto* table = new llvm::GlobalVariable(kb.module(), type, true, llvm::GlobalValue::InternalLinkage,
                                         llvm::ConstantArray::get(type, freqs), "inv_freq");
  kb.loop(kb.i(0), kb.T(), 1, [&](Value* t) {
    Value* pos = B.CreateSIToFP(B.CreateAdd(kb.past(), t), kb.f32());
    kb.loop(kb.i(0), kb.i(half), 1, [&](Value* i) {
      Value* wide = B.CreateFPExt(B.CreateFMul(kb.loadScalar(table, i, ir::DType::F32), pos), B.getDoubleTy());
      Value* at = B.CreateAdd(B.CreateMul(t, kb.i(half)), i);
      Value* c = B.CreateFPTrunc(B.CreateUnaryIntrinsic(llvm::Intrinsic::cos, wide), kb.f32());
      Value* sn = B.CreateFPTrunc(B.CreateUnaryIntrinsic(llvm::Intrinsic::sin, wide), kb.f32());
      kb.storeScalar(B.CreateFMul(c, kb.f(attentionFactor)), cosT, at);
      kb.storeScalar(B.CreateFMul(sn, kb.f(attentionFactor)), sinT, at);
    });
  });
}

void emitRotateHead(KernelBuilder& kb, Value* src, Value* srcIndex, Value* dst, Value* dstIndex, Value* cosT, Value* sinT,
                    Value* tableRow, int64_t half) {
  auto& B = kb.b();
  kb.loop(kb.i(0), kb.i(half), 1, [&](Value* i) {
    Value* at = B.CreateAdd(B.CreateMul(tableRow, kb.i(half)), i);
    Value* c = kb.loadScalar(cosT, at, ir::DType::F32);
    Value* sn = kb.loadScalar(sinT, at, ir::DType::F32);
    Value* a = kb.loadScalar(src, B.CreateAdd(srcIndex, i), ir::DType::F32);
    Value* b = kb.loadScalar(src, B.CreateAdd(srcIndex, B.CreateAdd(i, kb.i(half))), ir::DType::F32);
    kb.storeScalar(B.CreateFSub(B.CreateFMul(a, c), B.CreateFMul(b, sn)), dst, B.CreateAdd(dstIndex, i));
    kb.storeScalar(B.CreateFAdd(B.CreateFMul(b, c), B.CreateFMul(a, sn)), dst, B.CreateAdd(dstIndex, B.CreateAdd(i, kb.i(half))));
  });
}

KernelPlan planKernel(const ir::Graph& g, const ir::Node& n, const ConstantTable& constants, const TileOptions& tiles) {
  switch (n.op) {
    case OpKind::MatMul:
    case OpKind::MatMulAdd:
    case OpKind::MatMulSwiglu:
      return planMatMul(g, n, constants, tiles);
    case OpKind::QkvRopeKv:
      return planQkvRopeKv(g, n, constants, tiles);
    case OpKind::Attention:
    case OpKind::FlashAttention:
      return planAttention(g, n, tiles);
    default:
      return planElementwise(g, n, constants);
  }
}

}  // namespace q3c::llvmgen
